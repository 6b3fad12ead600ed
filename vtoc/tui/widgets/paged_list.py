"""A row list that pages older rows in from the server as the operator nears the end.

The resources, the event log and an operation's timeline page the same way: the newest page
first, the next one when the cursor or the viewport (mouse wheel, scrollbar) comes within
``PREFETCH`` rows of the end of what is loaded, none past the list's cap. Each says only
how it fetches a page and what it does once one went in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual import work

from vtoc.tui.refusal import refusal_notified
from vtoc.tui.widgets.row_list import RowList

PREFETCH = 20


class PagedList(RowList):
    """Rows paged in from the server, older ones as the operator scrolls down to them."""

    #: the title of the notification that says why a page was refused
    refused_title: ClassVar[str] = ""
    #: a page is on its way: the operator's moves wait for it
    loading_page = False

    def on_mount(self) -> None:
        self.reload()

    @property
    def more(self) -> bool:
        """Older rows than the loaded ones are on the server."""
        raise NotImplementedError

    async def fetch_older(self, first: bool) -> Iterable[Any]:
        """The page below the loaded rows (with ``first``, the newest page), noting where
        the page after it starts."""
        raise NotImplementedError

    def took_page(self) -> None:
        """A page went in: what the list says when it is empty, what counts its rows."""

    def reload(self) -> None:
        """Start again from the newest page."""
        self.clear()
        self.empty_text = ""
        self.load_page(first=True)

    @work(exclusive=True, group="page")
    async def load_page(self, first: bool = False) -> None:
        if not first and (not self.more or self.row_count >= self.cap):
            return
        self.loading_page = True
        with refusal_notified(self, self.refused_title):
            try:
                rows = await self.fetch_older(first)
            finally:
                self.loading_page = False
            self.extend_older(rows)
            self.took_page()
            if self.near_end():
                self.call_after_refresh(self.load_page)  # the operator got there while loading

    def near_end(self) -> bool:
        """The cursor, or the bottom of the viewport, is within ``PREFETCH`` rows of the end."""
        bottom = self.scroll_offset.y + self.body_height
        return max(self.cursor_row, bottom) >= self.row_count - PREFETCH

    def moved(self) -> None:
        if self.more and not self.loading_page and self.near_end():
            self.load_page()

    def action_first(self) -> None:
        """Home: the top row; past a flood the list read lower down, the newest rows."""
        if self.detached:
            self.reload()
        else:
            super().action_first()
