"""The event log, newest on top: with the cursor on the newest event it follows new ones
(``tail -f``); lower down the selection stays and "N new" counts what came above.

``/`` filters by kind prefix on the server (``intel.``, ``mission.updated``); older events
page in as the cursor or the viewport nears the bottom.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient
from vtoc.schemas.event_lines import describe
from vtoc.tui.keymap import BACK, LIST
from vtoc.tui.live import latest_event_id
from vtoc.tui.resources import Column
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.screens.dialogs import PromptScreen
from vtoc.tui.widgets.paged_list import PagedList

PAGE = 200
MAX_ROWS = 5000


def label(event: s.Event) -> str:
    """What the event says beyond its kind and row (the dashboard's feed words it so too)."""
    return describe(event.kind, event.data)


COLUMNS = (
    Column("ID", lambda e: str(e.id), 6),
    Column("TIME", lambda e: e.ts.strftime("%m-%d %H:%M:%S"), 14),
    Column("KIND", lambda e: e.kind, 18, wide=22),
    Column("ROW", lambda e: str(e.entity_id or ""), 5),
    Column("ACTOR", lambda e: e.actor, 10, wide=24),
    Column("WHAT", label),
)


class EventTable(PagedList):
    """Events by id, newest first; older ones page in from the server, new ones come live."""

    def __init__(self, client: AsyncVtocClient) -> None:
        super().__init__(COLUMNS, cap=MAX_ROWS, id="events-table")
        self.client = client
        self.kind: str | None = None
        #: the first id of the oldest page loaded; 0 once the log's first event is in
        self.oldest: int | None = None

    @property
    def more(self) -> bool:
        return self.oldest != 0

    def reload(self) -> None:
        self.oldest = None
        super().reload()

    async def fetch_older(self, first: bool) -> list[s.Event]:
        """The page of events just below the oldest shown (the log pages upward by id)."""
        top = self.oldest if self.oldest is not None else await latest_event_id(self.client) + 1
        start = max(0, top - PAGE)
        page = await self.client.events.list(after=start, limit=PAGE, kind=self.kind)
        self.oldest = start
        return [e for e in page.items if e.id < top]

    def took_page(self) -> None:
        self.empty_text = "no matches" if self.kind else "no events yet"
        self.screen_heading()

    def apply_events(self, batch: list[s.Event]) -> None:
        """The batch holds the events themselves: nothing to fetch."""
        new = [
            e
            for e in batch
            if (not self.kind or e.kind.startswith(self.kind)) and e.id not in self.rows_by_id
        ]
        if not new:
            return
        if self.detached:
            self.detach(len(new))
        elif self.following:
            self.put(new)
            if self.row_count > MAX_ROWS:
                self.trim()
                self.oldest = self.rows[-1].id
        elif self.fits(new, complete=True):
            self.put(new)
        else:
            self.detach(len(new))
        self.screen_heading()

    def screen_heading(self) -> None:
        kind = f"  kind {self.kind}*" if self.kind else ""
        screen = self.screen
        if isinstance(screen, VtocScreen):
            screen.set_heading(f"  [{self.row_count}]{kind}")


class EventsScreen(VtocScreen):
    title_text = "Events"
    BINDINGS: ClassVar[list[BindingType]] = [LIST[0], *BACK]

    def body(self) -> ComposeResult:
        yield EventTable(self.client)

    @property
    def table(self) -> EventTable:
        return self.query_one(EventTable)

    def on_mount(self) -> None:
        self.table.focus()

    def action_refresh(self) -> None:
        self.table.reload()

    def action_back(self) -> None:
        """``esc`` clears a filter first, then goes back."""
        if self.table.kind:
            self.table.kind = None
            self.table.reload()
        else:
            super().action_back()

    def action_filter(self) -> None:
        def apply(text: str | None) -> None:
            if text is not None:
                self.table.kind = text.strip() or None
                self.table.reload()

        self.app.push_screen(PromptScreen("/", self.table.kind or "", "event kind prefix"), apply)

    def apply_events(self, batch: list[s.Event]) -> None:
        self.table.apply_events(batch)
