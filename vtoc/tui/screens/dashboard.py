"""The first screen: what is running, what is late, what came in, and who is healthy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Grid
from textual.timer import Timer
from textual.widgets import Sparkline, Static

from vtoc import schemas as s
from vtoc.client import VtocError
from vtoc.terminal import printable
from vtoc.tui.resources import ago, plain, styled
from vtoc.tui.screens.base import VtocScreen

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


def event_line(event: s.Event) -> Text:
    label = event.data.get("code") or event.data.get("name") or event.data.get("title") or ""
    line = Text.assemble(
        (event.ts.strftime("%H:%M:%S "), "dim"),
        (f"{event.kind:<18}", "bold"),
        f" {event.entity_id or '':>5} ",
        (f"{event.actor[:12]:<12} ", "dim"),
        plain(str(label)),
    )
    line.truncate(78, overflow="ellipsis")
    return line


class DashboardScreen(VtocScreen):
    title_text = "Dashboard"

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
        yield Static("", id="feed")

    def on_mount(self) -> None:
        self.load()

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

    def render_feed(self) -> None:
        lines = Text("\n").join(event_line(e) for e in self.feed) if self.feed else Text("")
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
