"""The first screen: what is running, what is late, what came in, who is healthy, and the
watch: the reports nobody has acknowledged (``a`` acknowledges the highlighted one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid
from textual.timer import Timer
from textual.widgets import Sparkline, Static

from vtoc import schemas as s
from vtoc.client import VtocError
from vtoc.terminal import printable
from vtoc.tui.keymap import WATCH
from vtoc.tui.refusal import refusal_notified
from vtoc.tui.resources import ago, plain, styled
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.screens.events import label
from vtoc.tui.widgets.row_list import RowList
from vtoc.tui.widgets.watch import WatchList, summary

FEED_LINES = 20
#: live events refresh the counts at most this often (seconds)
DEBOUNCE = 0.5


def counts(title: str, values: Mapping[Any, int], extra: str = "") -> Table:
    table = Table.grid(padding=(0, 1))
    table.title = title
    table.add_column(min_width=12)
    table.add_column(justify="right")
    for key, n in values.items():
        table.add_row(styled(key), Text(str(n), style="bold" if n else "dim"))
    if extra:
        table.add_row(Text(extra, style="bold red"), "")
    return table


def event_line(event: s.Event, width: int) -> Text:
    """One event of the feed in ``width`` cells: the actor whole where there is room (a 120
    column terminal), the subject in the events list's words."""
    actor = 12 if width < 110 else 24
    line = Text.assemble(
        (event.ts.strftime("%H:%M:%S "), "dim"),
        (f"{event.kind:<18}", "bold"),
        f" {event.entity_id or '':>5} ",
        (f"{event.actor[:actor]:<{actor}} ", "dim"),
        plain(label(event)),
    )
    line.truncate(max(20, width - 2), overflow="ellipsis")
    return line


class DashboardScreen(VtocScreen):
    title_text = "Dashboard"
    BINDINGS: ClassVar[list[BindingType]] = WATCH

    def __init__(self) -> None:
        super().__init__()
        self.board: s.Dashboard | None = None
        self.feed: list[s.Event] = []
        self.pending: Timer | None = None
        #: events came while another view was on top: load the board when it shows again
        self.stale = False

    def body(self) -> ComposeResult:
        with Grid(id="board"):
            yield Static("loading…", id="ops", classes="panel")
            yield Static("", id="missions", classes="panel")
            yield Static("", id="assets", classes="panel")
        yield Static("", id="intel-title", classes="panel")
        yield Sparkline([], id="intel-spark")
        yield Static("", id="agents", classes="panel")
        yield Static("Watch: loading…", id="watch-title", classes="panel")
        yield WatchList(id="watch")
        yield Static("", id="feed")

    def on_mount(self) -> None:
        self.load()
        self.query_one("#watch", WatchList).focus()

    def on_screen_resume(self) -> None:
        if self.stale:
            self.stale = False
            self.load()

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="dashboard")
    async def load(self) -> None:
        self.pending = None
        try:
            board = await self.client.dashboard()
        except VtocError as exc:
            self.query_one("#ops", Static).update(Text(exc.message, style="red"))
            return
        self.board = board
        known = {e.id for e in self.feed}
        self.feed = sorted(
            [*self.feed, *(e for e in board.recent_events if e.id not in known)],
            key=lambda e: e.id,
            reverse=True,
        )[:FEED_LINES]
        self.render_board(board)
        self.load_watch()

    @work(exclusive=True, group="watch")
    async def load_watch(self) -> None:
        try:
            watch = await self.client.watch()
        except VtocError as exc:
            self.query_one("#watch-title", Static).update(Text(exc.message, style="red"))
            return
        self.query_one("#watch-title", Static).update(summary(watch))
        self.query_one("#watch", WatchList).show(watch)

    def on_row_list_chosen(self, message: RowList.Chosen) -> None:
        self.open_report(message.row.id)

    @work(group="open")
    async def open_report(self, report_id: int) -> None:
        await self.show_report(report_id)

    def action_acknowledge(self) -> None:
        report = self.query_one("#watch", WatchList).selected
        if report is None:
            self.notify("nothing to acknowledge", severity="warning")
        else:
            self.acknowledge(report)

    @work(group="ack")
    async def acknowledge(self, report: s.WatchIntel) -> None:
        with refusal_notified(self, "Not acknowledged"):
            ack = await self.client.acknowledge(report.id)
            said = f"report {report.id} acknowledged by {ack.acked_by} at {ack.acked_at:%H:%M:%S}Z"
            self.notify(said, title="Watch")
            self.query_one("#watch", WatchList).remove_row(report.id)
            self.load_watch()

    def render_board(self, board: s.Dashboard) -> None:
        late = f"{board.overdue_missions} overdue" if board.overdue_missions else ""
        self.query_one("#ops", Static).update(counts("Operations", board.operations))
        self.query_one("#missions", Static).update(counts("Missions", board.missions, late))
        self.query_one("#assets", Static).update(counts("Assets", board.assets))
        severity = Text.assemble(
            ("Intel 24 h ", "bold"),
            f"{sum(board.intel_per_hour)} reports  ",
            *(
                Text.assemble(styled(sev), f" {n}  ")
                for sev, n in board.intel_by_severity.items()
                if n
            ),
        )
        self.query_one("#intel-title", Static).update(severity)
        self.query_one("#intel-spark", Sparkline).data = [float(n) for n in board.intel_per_hour]
        agents = Table.grid(padding=(0, 1))
        agents.add_column(min_width=10, style="bold")
        for agent in board.agents:
            state = styled(agent.last_status) if agent.last_status else Text("never", style="dim")
            agents.add_row(
                Text(agent.name, style="" if agent.enabled else "dim"),
                state,
                Text(f"last {ago(agent.last_run_at)}"),
                Text(f"next {ago(agent.next_run_at)}" if agent.enabled else "disabled"),
                Text(printable(agent.last_summary or ""), overflow="ellipsis", no_wrap=True),
            )
        self.query_one("#agents", Static).update(agents)
        self.render_feed()

    def on_resize(self) -> None:
        if self.feed:
            self.render_feed()

    def render_feed(self) -> None:
        width = self.query_one("#feed", Static).size.width or self.app.size.width
        lines = Text("\n").join(event_line(e, width) for e in self.feed)
        self.query_one("#feed", Static).update(Text.assemble(("Recent events\n", "bold"), lines))

    def apply_events(self, batch: list[s.Event]) -> None:
        """The feed grows at once; the counts follow within ``DEBOUNCE`` seconds."""
        shown = {e.id for e in self.feed}
        new = [e for e in batch if e.id not in shown]
        if not new:
            return
        self.feed = [*reversed(new[-FEED_LINES:]), *self.feed][:FEED_LINES]
        if not self.is_current:  # under another view: drawn again when the operator is back
            self.stale = True
            return
        self.render_feed()
        if self.pending is None:
            self.pending = self.set_timer(DEBOUNCE, self.load)
