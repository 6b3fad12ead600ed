"""Detail views: any row's fields, an intel report with its correlations, an operation's
missions, assets, intel and timeline on tabs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from vtoc import schemas as s
from vtoc.client import Call, NotFound, VtocError
from vtoc.tui.keymap import DETAIL, REPORT
from vtoc.tui.refusal import refusal_notified
from vtoc.tui.resources import (
    ASSETS,
    CORRELATIONS,
    INTEL,
    MISSIONS,
    SPECS,
    ResourceSpec,
    ago,
    plain,
    styled,
)
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.screens.form import edit_form, shown
from vtoc.tui.screens.journal import EntryScreen
from vtoc.tui.widgets.resource_table import ResourceTable
from vtoc.tui.widgets.row_list import RowList
from vtoc.tui.widgets.timeline import TimelineList

HIDDEN = {"raw", "body", "indicators", "description", "objective"}
#: the specs of the rows a timeline event can be about (a cluster's too), by its entity
SPEC_OF: dict[str, ResourceSpec] = {spec.entity: spec for spec in (*SPECS.values(), CORRELATIONS)}


def stamp(when: datetime) -> str:
    """To the second in UTC, and how long ago: "2026-11-24 14:09:55 UTC (20h ago)"."""
    relative = ago(when)
    relative = relative if relative.startswith("in ") else f"{relative} ago"
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC ({relative})"


def fields_table(row: Any) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for name, value in row:
        if name in HIDDEN:
            continue
        if hasattr(value, "value"):
            text = styled(value)
        elif isinstance(value, datetime):
            text = plain(stamp(value))
        else:
            text = plain(shown(value) or "-")
        table.add_row(name, text)
    return table


class RecordScreen(VtocScreen):
    """Every field of one row, exact times included; ``e`` edits it."""

    BINDINGS: ClassVar[list[BindingType]] = DETAIL

    def __init__(self, spec: ResourceSpec, row: Any) -> None:
        super().__init__()
        self.spec = spec
        self.row = row
        self.title_text = self.titled()

    def titled(self) -> str:
        return f"{self.spec.title} ▸ {getattr(self.row, 'name', self.row.id)}"

    def body(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(self.render_row(), id="fields")

    def render_row(self) -> RenderableType:
        text = getattr(self.row, "objective", None) or getattr(self.row, "description", None)
        return Group(fields_table(self.row), Text(""), Text(text or ""))

    def operation_in_view(self) -> int | None:
        return getattr(self.row, "operation_id", None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit" and not self.spec.writable:
            return False
        return super().check_action(action, parameters)

    def action_edit(self) -> None:
        self.app.push_screen(edit_form(self.spec, self.client, self.row), self.saved)

    def saved(self, row: Any) -> None:
        """The saved row shows at once (its event comes later, or never without live)."""
        if row is not None:
            self.show_row(row)
            self.notify(f"saved {self.spec.entity} {row.id}")

    def show_row(self, row: Any) -> None:
        self.row = row
        self.title_text = self.titled()
        self.set_heading()
        self.query_one("#fields", Static).update(self.render_row())

    def apply_events(self, batch: list[s.Event]) -> None:
        if any(e.entity == self.spec.entity and e.entity_id == self.row.id for e in batch):
            self.refetch()

    def action_refresh(self) -> None:
        self.refetch()

    @work(exclusive=True, group="detail")
    async def refetch(self) -> None:
        with refusal_notified(self):
            self.show_row(await self.spec.endpoint(self.client).get(self.row.id))


class IntelScreen(RecordScreen):
    """A report: its body, indicators, and the reports it correlates with and why; ``c``
    opens their cluster."""

    BINDINGS: ClassVar[list[BindingType]] = REPORT

    def __init__(self, spec: ResourceSpec, row: Any) -> None:
        super().__init__(spec, row)
        self.cluster_id: int | None = None

    def body(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(self.render_row(), id="fields")
            yield Static("correlated reports: loading…", id="correlated")

    def render_row(self) -> RenderableType:
        row: s.Intel = self.row
        indicators = Table("KIND", "INDICATOR", box=None, padding=(0, 1))
        for ind in row.indicators:
            indicators.add_row(str(ind.kind), plain(ind.value))
        return Group(
            plain(row.title, "bold"),
            fields_table(row),
            Text(""),
            plain(row.body or "(no body)"),
            Text(""),
            indicators if row.indicators else Text("no indicators", style="dim"),
        )

    def on_mount(self) -> None:
        self.load_correlated()

    @work(exclusive=True, group="correlated")
    async def load_correlated(self) -> None:
        widget = self.query_one("#correlated", Static)
        call: Call[Any] = Call("GET", f"/api/v1/intel/{self.row.id}/correlated", lambda r: r.json())
        try:
            found = await self.client.send(call)
        except NotFound:
            widget.update(Text("correlation is not available on this server", style="dim"))
            return
        except VtocError as exc:
            widget.update(Text(f"correlated reports: {exc.message}", style="red"))
            return
        widget.update(render_correlated(found))
        cluster = found.get("correlation") if isinstance(found, dict) else None
        self.cluster_id = cluster.get("id") if isinstance(cluster, dict) else None
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cluster" and self.cluster_id is None:
            return False
        return super().check_action(action, parameters)

    @work(group="open")
    async def action_cluster(self) -> None:
        if self.cluster_id is None:
            return
        with refusal_notified(self):
            self.vtoc.open_detail(CORRELATIONS, await self.client.correlation(self.cluster_id))


def render_correlated(found: Any) -> RenderableType:
    """``GET /intel/{id}/correlated``: each linked report and the indicators both carry (why).

    Read as plain JSON so that the TUI keeps working with servers that predate the endpoint.
    """
    reports = found.get("reports", []) if isinstance(found, dict) else []
    if not reports:
        return Text("no correlated reports", style="dim")
    cluster = found.get("correlation") or {}
    title = "Correlated"
    if "score" in cluster:
        title += f" (cluster {cluster.get('id')}, score {cluster['score']:.2f})"
    table = Table("ID", "SEV", "TITLE", "WHY: SHARED", box=None, padding=(0, 1), title=title)
    for item in reports:
        report = item.get("report", {})
        shared = ", ".join(f"{i.get('kind')}:{i.get('value')}" for i in item.get("shared", []))
        table.add_row(
            str(report.get("id", "")),
            styled(report.get("severity")),
            plain(str(report.get("title", ""))),
            plain(shared),
        )
    return table


#: an operation's own missions: the OP column would repeat its code on every row, and at 80
#: columns it took the room the ASSETS column needs
ITS_MISSIONS = replace(MISSIONS, columns=tuple(c for c in MISSIONS.columns if c.label != "OP"))


class OperationScreen(RecordScreen):
    """An operation and, on tabs, its missions, the assets they use, its intel, and its
    timeline (the journal and the events, live)."""

    def body(self) -> ComposeResult:
        yield Static(self.render_row(), id="fields", classes="summary")
        with TabbedContent(id="tabs"):
            with TabPane("Missions", id="tab-missions"):
                yield ResourceTable(ITS_MISSIONS, self.client, filters=self.scope, id="op-missions")
            with TabPane("Assets", id="tab-assets"):
                yield DataTable[Any](id="op-assets", cursor_type="row")
            with TabPane("Intel", id="tab-intel"):
                yield ResourceTable(INTEL, self.client, filters=self.scope, id="op-intel")
            with TabPane("Timeline", id="tab-timeline"):
                yield TimelineList(self.client, self.row.id, id="op-timeline")

    def operation_in_view(self) -> int | None:
        return int(self.row.id)

    @property
    def scope(self) -> dict[str, Any]:
        return {"operation_id": self.row.id}

    def render_row(self) -> RenderableType:
        row: s.Operation = self.row
        return Text.assemble(
            (f"{row.code} ", "bold"),
            row.name,
            "  ",
            styled(row.status),
            "  ",
            styled(row.priority),
            f"  {row.commander or ''}",
        )

    def on_mount(self) -> None:
        table = self.query_one("#op-assets", DataTable)
        for column in ASSETS.columns:
            table.add_column(column.label, key=column.label, width=column.width)

    def on_resource_table_loaded(self, message: ResourceTable.Loaded) -> None:
        if message.table.id == "op-missions":
            self.load_assets()

    @work(exclusive=True, group="assets")
    async def load_assets(self) -> None:
        """The assets the loaded missions use (asset lists have no operation filter)."""
        missions = self.query_one("#op-missions", ResourceTable)
        wanted = sorted({a for m in missions.rows_by_id.values() for a in m.asset_ids})[:200]
        table = self.query_one("#op-assets", DataTable)
        for asset_id in wanted:
            if str(asset_id) in table.rows:
                continue
            try:
                asset = await self.client.assets.get(asset_id)
            except VtocError:
                continue
            cells = [column.cell(asset) for column in ASSETS.columns]
            table.add_row(*cells, key=str(asset.id))
            self.query_one("#op-timeline", TimelineList).asset_ids.add(asset.id)

    def on_row_list_chosen(self, message: RowList.Chosen) -> None:
        if isinstance(message.rows, ResourceTable):
            self.vtoc.open_detail(message.rows.spec, message.row)
        elif isinstance(message.rows, TimelineList):
            self.open_item(message.row.item)

    @work(group="open")
    async def open_item(self, item: s.TimelineItem) -> None:
        """An entry read whole; an event's row (a mission, a report, an asset, a cluster) in
        its detail."""
        with refusal_notified(self):
            if item.type is s.TimelineType.entry:
                self.app.push_screen(EntryScreen(await self.client.journal.get(item.id)))
            elif (spec := SPEC_OF.get(item.entity)) is not None and item.entity_id is not None:
                self.vtoc.open_detail(spec, await spec.endpoint(self.client).get(item.entity_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_asset(int(event.row_key.value))

    @work(group="open")
    async def open_asset(self, asset_id: int) -> None:
        self.vtoc.open_detail(ASSETS, await self.client.assets.get(asset_id))

    def apply_events(self, batch: list[s.Event]) -> None:
        super().apply_events(batch)
        for table in self.query(ResourceTable):
            table.apply_events(batch)
        self.query_one("#op-timeline", TimelineList).apply_events(batch)

    def action_refresh(self) -> None:
        """ctrl+r: the operation, its tabs' lists and its timeline read again."""
        super().action_refresh()
        for table in self.query(ResourceTable):
            table.reload()
        self.query_one("#op-timeline", TimelineList).reload()
