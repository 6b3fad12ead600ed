"""One resource's rows, paged in from the server as the operator scrolls, live as they change.

The list asks for one page at a time (cursor pagination, newest first) when the cursor or
the viewport (mouse wheel, scrollbar) nears the end of what is loaded, and stops at
``MAX_ROWS``: past that a filter is the better tool. Live events update loaded rows in
place and bring new rows in on top (``RowList.take_newest`` decides where the operator's
eyes stay). Events are coalesced: however many arrive while the list fetches, the next
fetch serves them all.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.message import Message

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, NotFound, VtocError
from vtoc.tui.resources import ResourceSpec
from vtoc.tui.widgets.paged_list import PagedList

PAGE = 100
MAX_ROWS = 10_000
#: how many new rows a list reading lower down takes above the viewport before it only
#: counts them (each page of 100 reports takes the event loop ~20 ms to validate)
NEWEST_ROWS = 2_000
#: the kinds that put a row of their entity in a list, or take it out; any other kind about
#: a row on screen refreshes that row
ROW_NEW = frozenset(
    {
        s.EventKind.operation_created,
        s.EventKind.mission_created,
        s.EventKind.asset_created,
        s.EventKind.intel_created,
        s.EventKind.task_created,
        s.EventKind.journal_created,
        s.EventKind.handover_created,
        s.EventKind.token_created,
    }
)
ROW_GONE = frozenset(
    {
        s.EventKind.operation_deleted,
        s.EventKind.mission_deleted,
        s.EventKind.asset_deleted,
        s.EventKind.intel_deleted,
        s.EventKind.task_deleted,
    }
)


class ResourceTable(PagedList):
    """One resource's rows, keyed by id, with the row objects kept for forms and details."""

    refused_title = "Could not load"

    class Loaded(Message):
        """The rows changed in number: headings that count them update."""

        def __init__(self, table: ResourceTable) -> None:
            super().__init__()
            self.table = table

    def __init__(
        self,
        spec: ResourceSpec,
        client: AsyncVtocClient,
        *,
        filters: dict[str, Any] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(spec.columns, cap=MAX_ROWS, order=spec.order, id=id)
        self.spec = spec
        self.client = client
        self.filters = dict(filters or {})
        self.query_text: str | None = None
        self.next_cursor: str | None = None
        #: rows that live events changed or created, not fetched yet
        self.changed: set[int] = set()
        self.created: set[int] = set()
        self.catching_up = False

    @property
    def more(self) -> bool:
        return self.next_cursor is not None

    # Loading -------------------------------------------------------------------------------

    def reload(self, q: str | None = None, *, keep_query: bool = True) -> None:
        if not keep_query or q is not None:
            self.query_text = q or None
        self.next_cursor = None
        super().reload()

    async def fetch(self, cursor: str | None = None) -> s.Page[Any]:
        return await self.spec.endpoint(self.client).list(
            limit=PAGE, cursor=cursor, q=self.query_text, **self.filters
        )

    async def fetch_older(self, first: bool) -> list[Any]:
        page = await self.fetch(None if first else self.next_cursor)
        self.next_cursor = page.next_cursor
        return page.items

    def took_page(self) -> None:
        if not self.rows:
            self.empty_text = "no matches" if self.query_text else "none yet"
        self.post_message(self.Loaded(self))

    # Live ----------------------------------------------------------------------------------

    def show(self, row: Any, *, select: bool = False) -> None:
        """A row this screen saved: in place, or new on top, selected when asked."""
        if self.put([row]):
            self.post_message(self.Loaded(self))
        if select:
            self.move_cursor(self.index_of(row.id))

    def drop(self, row_id: int) -> None:
        if row_id in self.rows_by_id:
            self.remove_row(row_id)
            self.post_message(self.Loaded(self))

    def apply_events(self, batch: list[s.Event]) -> None:
        """Note what a batch of events changed; one fetch at a time brings it in."""
        for event in batch:
            if event.entity != self.spec.entity or event.entity_id is None:
                continue
            if event.kind in ROW_GONE:
                self.changed.discard(event.entity_id)
                self.drop(event.entity_id)
            elif event.entity_id in self.rows_by_id:
                self.changed.add(event.entity_id)
            elif event.kind in ROW_NEW:
                self.created.add(event.entity_id)
        if (self.changed or self.created) and not self.catching_up:
            self.catching_up = True
            self.catch_up()

    @work(group="live")
    async def catch_up(self) -> None:
        """Fetch what the events since the last fetch changed, until nothing is left; events
        arriving meanwhile wait for the next round instead of starting fetches of their own."""
        try:
            while self.changed or self.created:
                changed, self.changed = self.changed, set()
                created, self.created = self.created, set()
                await self.refresh_rows(changed)
                if created:
                    await self.page_in_newest(created)
                self.post_message(self.Loaded(self))
        finally:
            self.catching_up = False

    async def refresh_rows(self, changed: set[int]) -> None:
        endpoint = self.spec.endpoint(self.client)
        rows = []
        for row_id in sorted(changed):
            try:
                rows.append(await endpoint.get(row_id))
            except NotFound:
                self.drop(row_id)
            except VtocError:
                continue
        self.put(rows)

    async def page_in_newest(self, created: set[int]) -> None:
        """The rows above the newest loaded one, as this list's filters and search see them
        (the server decides). New rows that land below the top (reports observed earlier)
        count as a gap. Following, the newest page is enough: a gap below it, or a
        list past its cap, starts again there. Reading lower down, the list takes up to
        ``NEWEST_ROWS`` of them above the viewport, and past that counts them."""
        exact = not (self.filters or self.query_text)  # else the server alone knows how many
        created = created - self.rows_by_id.keys()  # a fetch before the event brought some
        if not created:
            return
        if self.detached:
            self.detach(len(created) if exact else 0)
            return
        top = self.order(self.rows[0]) if self.rows else None
        wanted = PAGE if self.following else NEWEST_ROWS
        newer: list[Any] = []
        pages: list[s.Page[Any]] = []
        while True:
            try:
                pages.append(await self.fetch(pages[-1].next_cursor if pages else None))
            except VtocError:
                return
            page = pages[-1]
            newer += [row for row in page.items if top is None or self.order(row) > top]
            complete = (
                top is None
                or not page.next_cursor
                or not page.items
                or self.order(page.items[-1]) <= top
            )
            if complete or len(newer) >= wanted:
                break
        if exact and not created <= {row.id for row in newer}:
            complete = False  # some landed below the top (reports observed earlier)
        if self.fits(newer, complete=complete):
            self.put(newer)
        elif self.following:
            self.replace(pages[0].items)
            self.next_cursor = pages[0].next_cursor
        else:
            self.detach(len(created) if exact else 0)
