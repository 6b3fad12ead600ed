"""The event log, newest on top: live events arrive above without moving the selection.

``/`` filters by kind prefix on the server (``intel.``, ``mission.updated``); older events
page in as the cursor nears the bottom.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable

from vtoc import schemas as s
from vtoc.client import VtocError
from vtoc.tui.keymap import BACK, LIST
from vtoc.tui.live import latest_event_id
from vtoc.tui.resources import id_of, plain
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.screens.dialogs import PromptScreen

PAGE = 200
MAX_ROWS = 5000


def cells(event: s.Event) -> list[Text]:
    label = event.data.get("code") or event.data.get("name") or event.data.get("title") or ""
    return [
        Text(str(event.id)),
        Text(event.ts.strftime("%m-%d %H:%M:%S")),
        Text(event.kind),
        Text(str(event.entity_id or "")),
        Text(event.actor),
        plain(str(label)),
    ]


class EventsScreen(VtocScreen):
    title_text = "Events"
    BINDINGS: ClassVar[list[BindingType]] = [LIST[0], *BACK]

    def __init__(self) -> None:
        super().__init__()
        self.kind: str | None = None
        self.oldest: int | None = None
        #: a page is being fetched; not ``loading``, Textual's reactive that covers the
        #: whole screen with a spinner (which stayed on the terminal after the page came)
        self.paging = False

    def body(self) -> ComposeResult:
        yield DataTable[Any](id="events-table", cursor_type="row")

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#events-table", DataTable)

    def on_mount(self) -> None:
        for label, width in (("ID", 6), ("TIME", 14), ("KIND", 18), ("ROW", 5), ("ACTOR", 10)):
            self.table.add_column(label, key=label, width=width)
        self.table.add_column("WHAT", key="WHAT")
        self.table.focus()
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.table.clear()
        self.oldest = None
        self.load_older()

    @work(exclusive=True, group="events")
    async def load_older(self) -> None:
        """The page of events just below the oldest shown (the log pages upward by id)."""
        if self.oldest == 0 or self.table.row_count >= MAX_ROWS:
            return
        self.paging = True
        try:
            top = self.oldest if self.oldest is not None else await latest_event_id(self.client) + 1
            start = max(0, top - PAGE)
            page = await self.client.events.list(after=start, limit=PAGE, kind=self.kind)
        except VtocError as exc:
            self.notify(exc.message, severity="error")
            return
        finally:
            self.paging = False
        self.oldest = start
        for event in reversed([e for e in page.items if e.id < top]):
            if str(event.id) not in self.table.rows:
                self.table.add_row(*cells(event), key=str(event.id))
        kind = f"  kind {self.kind}*" if self.kind else ""
        self.set_heading(f"  [{self.table.row_count}]{kind}")
        if self.table.row_count < 20 and start > 0:
            self.load_older()

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        if self.table.cursor_row >= self.table.row_count - 20 and not self.paging:
            self.load_older()

    def action_filter(self) -> None:
        def apply(text: str | None) -> None:
            if text is not None:
                self.kind = text.strip() or None
                self.reload()

        self.app.push_screen(PromptScreen("/", self.kind or "", "event kind prefix"), apply)

    def apply_events(self, batch: list[s.Event]) -> None:
        table = self.table
        new = [
            e
            for e in batch
            if (not self.kind or e.kind.startswith(self.kind)) and str(e.id) not in table.rows
        ]
        if not new:
            return
        had_rows = table.row_count > 0
        selected, scroll_y = table.cursor_row, table.scroll_y
        for event in new:
            table.add_row(*cells(event), key=str(event.id))
        table.sort("ID", key=id_of, reverse=True)
        if table.row_count > MAX_ROWS:  # a flood: the oldest go, as paging stops at the cap
            for row in table.ordered_rows[MAX_ROWS:]:
                table.remove_row(row.key)
            self.oldest = int(table.ordered_rows[-1].key.value or 0)
        if had_rows:
            table.move_cursor(row=selected + len(new), animate=False, scroll=False)
            table.scroll_to(y=scroll_y + len(new), animate=False, immediate=True)
