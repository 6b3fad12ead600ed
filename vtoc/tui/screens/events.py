"""The event log, newest on top: with the cursor on the newest event it follows new ones
(``tail -f``); lower down the selection stays and "N new" counts what came above.

``/`` filters by kind prefix on the server (``intel.``, ``mission.updated``); older events
page in as the cursor or the viewport nears the bottom.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, VtocError
from vtoc.schemas.event_lines import describe
from vtoc.tui.keymap import BACK, LIST
from vtoc.tui.live import latest_event_id
from vtoc.tui.resources import Column
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.screens.dialogs import PromptScreen
from vtoc.tui.widgets.row_list import RowList

PAGE = 200
MAX_ROWS = 5000
PREFETCH = 20


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


class EventTable(RowList):
    """Events by id, newest first; older ones page in from the server, new ones come live."""

    def __init__(self, client: AsyncVtocClient) -> None:
        super().__init__(COLUMNS, cap=MAX_ROWS, id="events-table")
        self.client = client
        self.kind: str | None = None
        self.oldest: int | None = None
        self.loading_page = False

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.clear()
        self.empty_text = ""
        self.oldest = None
        self.load_older()

    @work(exclusive=True, group="events")
    async def load_older(self) -> None:
        """The page of events just below the oldest shown (the log pages upward by id)."""
        if self.oldest == 0 or self.row_count >= MAX_ROWS:
            return
        self.loading_page = True
        try:
            top = self.oldest if self.oldest is not None else await latest_event_id(self.client) + 1
            start = max(0, top - PAGE)
            page = await self.client.events.list(after=start, limit=PAGE, kind=self.kind)
        except VtocError as exc:
            self.notify(exc.message, severity="error")
            return
        finally:
            self.loading_page = False
        self.oldest = start
        self.extend_older(e for e in page.items if e.id < top)
        self.empty_text = "no matches" if self.kind else "no events yet"
        self.screen_heading()
        if self.row_count < PREFETCH and start > 0:
            self.load_older()

    def moved(self) -> None:
        bottom = max(self.cursor_row, self.scroll_offset.y + self.body_height)
        if bottom >= self.row_count - PREFETCH and not self.loading_page:
            self.load_older()

    def action_first(self) -> None:
        """Home: the top row; past a flood the list read lower down, the newest events."""
        if self.detached:
            self.reload()
        else:
            super().action_first()

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
