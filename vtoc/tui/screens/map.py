"""Assets on a braille map, coloured by status, with the trails of their last minutes, a
lat/lon grid, a scale and the coastline; zoom and pan by keys; the selected one is marked
and described with MGRS beside lat/lon. Live, or a replay of a past period."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from rich.columns import Columns
from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Static

from vtoc import schemas as s
from vtoc.client import VtocError
from vtoc.tui import resources
from vtoc.tui.geo import Viewport, to_mgrs
from vtoc.tui.keymap import BACK, MAP
from vtoc.tui.refusal import refusal_notified
from vtoc.tui.replay import Replay
from vtoc.tui.resources import STATUS_STYLES, ago, plain, styled
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.trails import Spot, Trails, spot_of
from vtoc.tui.widgets.braille import Bounds, BrailleMap, Points
from vtoc.tui.widgets.map_canvas import MapCanvas
from vtoc.tui.widgets.trail_dots import Trail, TrailDots

if TYPE_CHECKING:
    from vtoc.tui.land import Mask

#: the map draws at most this many assets (they all fit one screen's dots anyway)
MAX_ASSETS = 2000
#: tracks fetched at once when the map opens
PARALLEL = 8
#: a replay's clock is read this often (seconds)
REPLAY_TICK = 0.1


def legend() -> Columns:
    """Each status with its colour, never split from it when the legend wraps (80 columns)."""
    return Columns(
        (
            Text.assemble(("⣿", STATUS_STYLES[status.value]), f" {status.value}")
            for status in s.AssetStatus
        ),
        padding=(0, 2),
    )


def spots(assets: list[s.Asset]) -> np.ndarray:
    """The assets' (lat, lon) rows (each placed)."""
    return np.array([(a.lat, a.lon) for a in assets], dtype=np.float64).reshape(-1, 2)


def show(widget: Static, content: Text | Group) -> None:
    """``content`` in ``widget``, laid out again only when it is of another kind than
    before (one line or three, say): a layout of the screen each frame cost as much as
    the frame's drawing."""
    widget.update(content, layout=type(content) is not type(widget.content))


class MapScreen(VtocScreen):
    title_text = "Map"
    BINDINGS: ClassVar[list[BindingType]] = [*MAP, *BACK]

    def __init__(self, replay: Replay | None = None) -> None:
        super().__init__()
        self.replay = replay
        self.assets: dict[int, s.Asset] = {}
        self.trails = Trails()
        #: each asset's trail as last drawn, and the trails' dots on the canvas
        self.trail_lines_of: dict[int, Trail] = {}
        self.trail_dots = TrailDots()
        #: None: fitted to the assets, until the operator zooms or pans
        self.viewport: Viewport | None = None
        #: the last fitted view, kept while it still holds everything (see ``view``)
        self.fitted: Viewport | None = None
        #: the coast's dots and the canvas (bounds, width, height) they are for
        self.coast_of: tuple[tuple[Bounds, int, int], np.ndarray] | None = None
        #: the scale bar and grid step shown below the map
        self.scale_shown: tuple[str, float] | None = None
        #: what moves a replay on
        self.replay_clock: Timer | None = None
        #: where there is land (None until read, or without the package)
        self.land: Mask | None = None

    def body(self) -> ComposeResult:
        with Horizontal(id="map-layout"):
            yield DataTable[str](id="map-list", cursor_type="row")
            with Vertical(id="map-side"):
                yield MapCanvas(id="map-canvas")
                yield Static("", id="map-scale")
                yield Static(legend(), id="map-legend")
                yield Static("", id="map-detail")

    def on_mount(self) -> None:
        table = self.query_one("#map-list", DataTable)
        table.add_column("ASSET", key="name", width=16)
        table.add_column("STATUS", key="status", width=11)
        table.focus()
        self.read_land()
        if self.replay is None:
            self.load(seed=True)
        else:
            self.play(self.replay)

    def on_resize(self) -> None:
        self.draw()

    def action_refresh(self) -> None:
        if self.replay is None:
            self.load(seed=True)

    # Loading -------------------------------------------------------------------------------

    @work(thread=True, group="land")
    def read_land(self) -> None:
        """The coastline's data, read once per process off the event loop. numpy is
        imported here, not with the TUI: a session that never opens the map (most over SSH)
        does not carry it (20 MB)."""
        from vtoc.tui.land import land

        mask = land()
        if mask is not None:
            self.app.call_from_thread(self.show_land, mask)

    def show_land(self, mask: Mask) -> None:
        self.land = mask
        self.draw()

    async def fetch_assets(self) -> list[s.Asset] | None:
        with refusal_notified(self):
            return [a async for a in self.client.assets.iterate(limit=500)][:MAX_ASSETS]
        return None

    @work(exclusive=True, group="map")
    async def load(self, seed: bool = False) -> None:
        """The assets (and, with ``seed``, the trails of those that moved lately)."""
        found = await self.fetch_assets()
        if found is None:
            return
        self.assets = {a.id: a for a in found if a.lat is not None and a.lon is not None}
        self.list_assets()
        if seed:  # after the list: a thousand moving assets are a thousand tracks to fetch
            await self.seed_trails(resources.clock())
            self.draw()

    async def seed_trails(self, now: datetime) -> None:
        since = now - self.trails.window
        moved = [
            a for a in self.assets.values() if a.position_at is not None and a.position_at >= since
        ]
        gate = asyncio.Semaphore(PARALLEL)
        query = s.TrackQuery(since=since, max_points=500)

        async def seed(asset: s.Asset) -> None:
            async with gate:
                track = await self.client.track(asset.id, query)
            self.trails.seed(asset.id, track.fixes)

        self.trails.clear()
        try:
            await asyncio.gather(*(seed(a) for a in moved))
        except VtocError as exc:
            self.notify(f"trails: {exc.message}", severity="warning")

    def list_assets(self) -> None:
        table = self.query_one("#map-list", DataTable)
        selected = self.selected()
        table.clear()
        for asset in sorted(self.assets.values(), key=lambda a: a.name):
            table.add_row(plain(asset.name), styled(asset.status), key=str(asset.id))
        if selected is not None and str(selected.id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(selected.id)), animate=False)
        self.draw()

    # Live and replay -----------------------------------------------------------------------

    def apply_events(self, batch: list[s.Event]) -> None:
        """Moves shift the assets and grow their trails in place; anything else about
        assets (or a move of one not listed) reloads the list."""
        if self.replay is not None:
            return
        reload = False
        for event in batch:
            if event.entity != s.Entity.asset:
                continue
            moved = spot_of(event)
            if moved is None or moved[0] not in self.assets:
                reload = True
                if event.kind == s.EventKind.asset_deleted and event.entity_id is not None:
                    self.trails.drop(event.entity_id)
                continue
            self.move(*moved)
        if reload:
            self.load()
        else:
            self.draw()

    def move(self, asset_id: int, spot: Spot) -> None:
        """In place: a thousand moves a frame were a thousand copies of their assets."""
        asset = self.assets[asset_id]
        if asset.position_at is None or spot.at >= asset.position_at:
            # past pydantic's __setattr__ (no validation on assignment here, but its
            # checks were a tenth of a frame): these fields are set on every asset read
            fields = vars(asset)
            fields["lat"], fields["lon"], fields["position_at"] = spot.lat, spot.lon, spot.at
        self.trails.add(asset_id, spot)

    @work(exclusive=True, group="map")
    async def play(self, replay: Replay) -> None:
        """The assets that moved in the period, placed as the replay's clock reaches their
        fixes."""
        found = await self.fetch_assets()
        if found is None:
            return
        with refusal_notified(self):
            await replay.load(self.client, found)
            moving = {asset_id for _, asset_id, _ in replay.fixes}
            self.assets = {
                a.id: a.model_copy(update={"lat": None, "lon": None, "position_at": None})
                for a in found
                if a.id in moving
            }
            if not self.assets:
                self.notify("no asset moved in that period", severity="warning")
            self.replay_clock = self.set_interval(REPLAY_TICK, self.tick)

    def tick(self) -> None:
        """The fixes the replay's clock reached since the last tick; at the end, the clock
        stops."""
        assert self.replay is not None
        for at, asset_id, fix in self.replay.due():
            self.move(asset_id, Spot(at, fix.lat, fix.lon))
        placed = {a for a, asset in self.assets.items() if asset.lat is not None}
        table = self.query_one("#map-list", DataTable)
        if placed != {int(str(key.value)) for key in table.rows}:
            self.list_assets()
        else:
            self.draw()
        stamp = self.replay.now().strftime("%Y-%m-%d %H:%M:%S")
        done = "  done" if self.replay.done else ""
        if done and self.replay_clock is not None:
            self.replay_clock.stop()
        self.set_heading(f"  replay {stamp} at {self.replay.speed:g}x{done}")

    # Drawing -------------------------------------------------------------------------------

    def selected(self) -> s.Asset | None:
        table = self.query_one("#map-list", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.assets.get(int(key)) if key else None

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.draw()

    def placed(self) -> list[s.Asset]:
        return [a for a in self.assets.values() if a.lat is not None and a.lon is not None]

    def points(self, placed: list[s.Asset], chosen: s.Asset | None) -> Points:
        return Points(
            spots(placed),
            [STATUS_STYLES[a.status] for a in placed],
            next((n for n, a in enumerate(placed) if a is chosen), None),
        )

    def trail_lines(self, placed: list[s.Asset]) -> list[Trail]:
        """Each placed asset's trail, the same object as last frame unless its rows or
        style changed (a thousand built each frame were a tenth of it)."""
        kept, lines = self.trail_lines_of, {}
        for a in placed:
            rows, style = self.trails.get(a.id), "dim " + STATUS_STYLES[a.status]
            if rows is None:
                continue
            line = kept.get(a.id)
            lines[a.id] = (
                line if line is not None and line.rows is rows and line.style == style
                else Trail(rows, style)
            )  # fmt: skip
        self.trail_lines_of = lines
        return list(lines.values())

    def view(self, drawn: tuple[Points, list[Trail]] | None = None) -> Viewport:
        """The operator's view, else one fitting the assets and their trails (``drawn``
        when the caller has them already). The last fitted view stays while it still
        holds them and is not much wider than they need: a map that rescaled whenever an
        asset's trail grew a hair past the rest would move under the operator's eyes (and
        draw every trail anew each time)."""
        if self.viewport is not None:
            return self.viewport
        if drawn is None:
            placed = self.placed()
            drawn = self.points(placed, None), self.trail_lines(placed)
        points, trails = drawn
        boxes = [box for trail in trails if (box := trail.rows.box()) is not None]
        corners = np.concatenate([points.spots, np.array(boxes).reshape(-1, 2)])
        fit = Viewport.around(corners)
        if self.fitted is None or not self.fitted.holds(fit):
            self.fitted = fit
        return self.fitted

    def outline(self, bounds: Bounds, width: int, height: int) -> np.ndarray | None:
        """The coast's dots, read again only when the view or the canvas changes."""
        if self.land is None:
            return None
        if self.coast_of is None or self.coast_of[0] != (bounds, width, height):
            from vtoc.tui.land import coast  # imported by read_land already

            b = bounds
            dots = coast(self.land, b.south, b.north, b.west, b.east, width * 2, height * 4)
            self.coast_of = (bounds, width, height), np.array(dots, dtype=np.int64).reshape(-1, 2)
        return self.coast_of[1]

    def draw(self) -> None:
        if not self.is_mounted:
            return
        chosen = self.selected()
        placed = self.placed()
        points = self.points(placed, chosen)
        trails = self.trail_lines(placed)
        canvas = self.query_one("#map-canvas", MapCanvas)
        size = canvas.content_size
        view = self.view((points, trails))
        step = view.grid_step()
        bounds = view.bounds(size.width, size.height)
        canvas.show(
            BrailleMap(
                points,
                bounds,
                trails=trails,
                trail_dots=self.trail_dots,
                grid_step=step,
                coast=self.outline(bounds, size.width, size.height),
            )
        )
        scale = view.scale(size.width)
        if (scale, step) != self.scale_shown:  # the same most frames: not painted again
            self.scale_shown = scale, step
            label = Text.assemble(scale, (f"  grid {step:g}°", "dim"))
            show(self.query_one("#map-scale", Static), label)
        show(self.query_one("#map-detail", Static), self.describe(chosen))

    @staticmethod
    def describe(asset: s.Asset | None) -> Group | Text:
        if asset is None or asset.lat is None or asset.lon is None:
            return Text("no assets with coordinates", style="dim")
        fixed = f"{asset.position_at:%H:%M:%SZ}" if asset.position_at else "-"
        return Group(
            Text.assemble(plain(asset.name, "bold"), "  ", styled(asset.status), f"  {asset.kind}"),
            plain(f"{asset.lat:.5f}, {asset.lon:.5f}  {to_mgrs(asset.lat, asset.lon)}"),
            plain(f"{asset.callsign or '-'}  fix {fixed}  seen {ago(asset.last_seen_at)}"),
        )

    # Zoom and pan --------------------------------------------------------------------------

    def action_zoom(self, factor: float) -> None:
        """From the fitted view, the zoom closes in on the selected asset."""
        view = self.view()
        chosen = self.selected()
        if self.viewport is None and chosen and chosen.lat is not None and chosen.lon is not None:
            view = replace(view, lat=chosen.lat, lon=chosen.lon)
        self.viewport = view.zoomed(factor)
        self.draw()

    def action_pan(self, east: float, north: float) -> None:
        self.viewport = self.view().panned(east, north)
        self.draw()

    def action_fit(self) -> None:
        self.viewport = self.fitted = None
        self.draw()
