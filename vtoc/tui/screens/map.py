"""Assets with coordinates on a braille map, coloured by status; the selected one is marked."""

from __future__ import annotations

from typing import ClassVar

from rich.columns import Columns
from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from vtoc import schemas as s
from vtoc.client import VtocError
from vtoc.tui.keymap import BACK
from vtoc.tui.resources import STATUS_STYLES, ago, plain, styled
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.widgets.braille import BrailleMap, Point

#: the map draws at most this many assets (they all fit one screen's dots anyway)
MAX_ASSETS = 2000


def legend() -> Columns:
    """Each status with its colour, never split from it when the legend wraps (80 columns)."""
    return Columns(
        (
            Text.assemble(("⣿", STATUS_STYLES[status.value]), f" {status.value}")
            for status in s.AssetStatus
        ),
        padding=(0, 2),
    )


class MapScreen(VtocScreen):
    title_text = "Map"
    BINDINGS: ClassVar[list[BindingType]] = BACK

    def __init__(self) -> None:
        super().__init__()
        self.assets: dict[int, s.Asset] = {}

    def body(self) -> ComposeResult:
        with Horizontal(id="map-layout"):
            yield DataTable[str](id="map-list", cursor_type="row")
            with Vertical(id="map-side"):
                yield Static("", id="map-canvas")
                yield Static(legend(), id="map-legend")
                yield Static("", id="map-detail")

    def on_mount(self) -> None:
        table = self.query_one("#map-list", DataTable)
        table.add_column("ASSET", key="name", width=16)
        table.add_column("STATUS", key="status", width=11)
        table.focus()
        self.load()

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="map")
    async def load(self) -> None:
        try:
            found = [a async for a in self.client.assets.iterate(limit=500)][:MAX_ASSETS]
        except VtocError as exc:
            self.notify(exc.message, severity="error")
            return
        self.assets = {a.id: a for a in found if a.lat is not None and a.lon is not None}
        table = self.query_one("#map-list", DataTable)
        selected = self.selected()
        table.clear()
        for asset in sorted(self.assets.values(), key=lambda a: a.name):
            table.add_row(plain(asset.name), styled(asset.status), key=str(asset.id))
        if selected is not None and str(selected.id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(selected.id)), animate=False)
        self.draw()

    def selected(self) -> s.Asset | None:
        table = self.query_one("#map-list", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.assets.get(int(key)) if key else None

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.draw()

    def draw(self) -> None:
        chosen = self.selected()
        points = [
            Point(a.lat, a.lon, STATUS_STYLES[a.status.value], marked=a is chosen)
            for a in self.assets.values()
            if a.lat is not None and a.lon is not None
        ]
        self.query_one("#map-canvas", Static).update(BrailleMap(points))
        self.query_one("#map-detail", Static).update(self.describe(chosen))

    @staticmethod
    def describe(asset: s.Asset | None) -> Group | Text:
        if asset is None:
            return Text("no assets with coordinates", style="dim")
        return Group(
            Text.assemble(plain(asset.name, "bold"), "  ", styled(asset.status), f"  {asset.kind}"),
            plain(
                f"{asset.callsign or '-'}  {asset.lat:.4f}, {asset.lon:.4f}  "
                f"seen {ago(asset.last_seen_at)}"
            ),
        )

    def apply_events(self, batch: list[s.Event]) -> None:
        if any(e.entity == s.Entity.asset for e in batch):
            self.load()
