"""Correlation clusters: the reports the analyzer linked by the indicators they share.

The list shows each cluster with its shared indicators; ``enter`` opens one: what links it,
its member reports (``enter`` opens a report), and ``x`` escalates it as the CLI's
``vtoc correlations escalate`` does (``s`` then opens the summary report). Both follow the
event stream: a cluster that grows is fetched again, one that another absorbed goes
(``correlation.merged`` names them).
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker

from vtoc import schemas as s
from vtoc.tui.keymap import CLUSTER
from vtoc.tui.refusal import refusal_notified
from vtoc.tui.resources import (
    CORRELATIONS,
    INTEL,
    ago,
    operation_code,
    plain,
    shared_values,
    styled,
)
from vtoc.tui.screens.detail import RecordScreen
from vtoc.tui.screens.lists import ListScreen
from vtoc.tui.widgets.resource_table import ResourceTable
from vtoc.tui.widgets.row_list import RowList

MERGED = "correlation.merged"


def absorbed(event: s.Event) -> list[int]:
    """The clusters a merge folded into the event's one (deleted without events of their own)."""
    if event.kind != MERGED:
        return []
    return [int(cluster) for cluster in event.data.get("absorbed", [])]


class ClusterTable(ResourceTable):
    """Clusters, newest first. A merge announces a new cluster as well as a grown one (there
    is no ``correlation.created``), and the clusters it absorbed leave the list."""

    def apply_events(self, batch: list[s.Event]) -> None:
        for event in batch:
            for gone in absorbed(event):
                self.changed.discard(gone)
                self.drop(gone)
            if (
                event.kind == MERGED
                and event.entity_id is not None
                and event.entity_id not in self.rows_by_id
            ):
                self.created.add(event.entity_id)
        super().apply_events(batch)


class CorrelationsScreen(ListScreen):
    """The clusters; read-only but for escalation, which the detail offers."""

    def __init__(self) -> None:
        super().__init__(CORRELATIONS)

    def body(self) -> ComposeResult:
        yield ClusterTable(self.spec, self.client, id="rows")


class CorrelationScreen(RecordScreen):
    """One cluster: a summary line, its member reports and its shared indicators on tabs."""

    BINDINGS: ClassVar[list[BindingType]] = CLUSTER

    def __init__(self, row: s.Correlation) -> None:
        super().__init__(CORRELATIONS, row)

    def body(self) -> ComposeResult:
        yield Static(self.render_row(), id="fields", classes="summary")
        with TabbedContent(id="tabs"):
            with TabPane("Members", id="tab-members"):
                members = {"correlation_id": self.row.id}
                yield ResourceTable(INTEL, self.client, filters=members, id="members")
            with TabPane("Indicators", id="tab-indicators"), VerticalScroll():
                yield Static(self.render_indicators(), id="indicators")

    @property
    def members(self) -> ResourceTable:
        return self.query_one("#members", ResourceTable)

    def on_mount(self) -> None:
        self.members.focus()

    def render_row(self) -> Group:
        row: s.Correlation = self.row
        summary = (
            Text(f"escalated: summary report #{row.summary_report_id}", style="bold")
            if row.summary_report_id is not None
            else Text("not escalated", style="dim")
        )
        return Group(
            Text.assemble(
                (f"cluster {row.id} ", "bold"),
                styled(row.severity),
                f"  {len(row.report_ids)} reports  op {operation_code(row.operation_id)}  ",
                f"first seen {ago(row.first_seen_at)} ago, last {ago(row.last_seen_at)} ago",
            ),
            Text.assemble(
                summary,
                "  shared: ",
                plain(shared_values(row)),
                no_wrap=True,
                overflow="ellipsis",
            ),
        )

    def render_indicators(self) -> Table:
        table = Table("KIND", "INDICATOR", box=None, padding=(0, 1))
        for indicator in self.row.indicators:
            table.add_row(str(indicator.kind), plain(indicator.value))
        return table

    def titled(self) -> str:
        return f"Correlations ▸ cluster {self.row.id}"

    def show_row(self, row: Any) -> None:
        """The summary, the indicators and what ``x`` may do, after the cluster changed."""
        super().show_row(row)
        self.query_one("#indicators", Static).update(self.render_indicators())
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An escalated cluster has its summary to open; escalating again would change
        nothing."""
        escalated = self.row.summary_report_id is not None
        if (action == "escalate" and escalated) or (action == "summary" and not escalated):
            return False
        return super().check_action(action, parameters)

    # Live ----------------------------------------------------------------------------------

    def apply_events(self, batch: list[s.Event]) -> None:
        into = next((e.entity_id for e in batch if self.row.id in absorbed(e)), None)
        if into is not None:
            self.notify(f"cluster {self.row.id} was merged into cluster {into}")
            self.load_cluster(into)
            return
        mine = any(e.entity == s.Entity.correlation and e.entity_id == self.row.id for e in batch)
        if mine:
            self.refetch()
        self.members.apply_events(batch)

    def refetch(self) -> Worker[None]:
        return self.load_cluster(self.row.id)

    @work(exclusive=True, group="detail")
    async def load_cluster(self, cluster_id: int) -> None:
        """The cluster as it is now (or the one this became), and its members: they joined,
        or went up a severity step, without events of the intel list's filter."""
        with refusal_notified(self):
            row = await self.client.correlation(cluster_id)
            self.show_row(row)
            self.members.filters = {"correlation_id": row.id}
            self.members.reload()

    def on_row_list_chosen(self, message: RowList.Chosen) -> None:
        self.vtoc.open_detail(INTEL, message.row)

    # Escalation ----------------------------------------------------------------------------

    @work(group="open")
    async def action_summary(self) -> None:
        report_id = self.row.summary_report_id
        if report_id is not None:
            await self.show_report(report_id)

    def action_escalate(self) -> None:
        row: s.Correlation = self.row
        question = (
            f"Escalate cluster {row.id}? Each of its {len(row.report_ids)} reports goes up "
            "a severity step, and one summary report is filed."
        )
        self.confirm(question, partial(self.escalate, row.id))

    @work(group="write")
    async def escalate(self, cluster_id: int) -> None:
        with refusal_notified(self, "Not escalated"):
            summary = await self.client.correlation_escalate(cluster_id)
            self.notify(f"escalated cluster {cluster_id}: summary report #{summary.id}")
            self.refetch()
