"""A DataTable that pages rows in from the server as the operator scrolls.

Textual's DataTable holds every row in memory, so the table asks for one page at a time
(cursor pagination, newest first) when the cursor or the viewport (mouse wheel, scrollbar)
nears the end, and stops at ``MAX_ROWS``:
past that a filter is the better tool. Live events update rows in place; a new row goes
on top without moving the highlighted row or the viewport.
"""

from __future__ import annotations

import asyncio
import heapq
from typing import Any

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, NotFound, VtocError
from vtoc.tui.resources import ResourceSpec, id_of

PAGE = 100
MAX_ROWS = 10_000
#: how many new rows live events may page in before the table starts again at the top
#: (``PAGE`` at a time: a page of 500 reports takes the event loop ~0.1 s to validate, and
#: keys would wait that long)
NEWEST_ROWS = 2_000
PREFETCH = 20
#: DataTable's render caches, sized by Textual for 10,000 cells and 1,000 lines: 13 MB of
#: rendered segments once thousands of rows are loaded, for a screen showing a few dozen
CELL_CACHE = 1_500
LINE_CACHE = 300


class ResourceTable(DataTable[Any]):
    """One resource's rows, keyed by id, with the row objects kept for forms and details."""

    class Loaded(Message):
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
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._cell_render_cache.maxsize = CELL_CACHE
        self._line_cache.maxsize = LINE_CACHE
        self._row_render_cache.maxsize = LINE_CACHE
        self._row_renderable_cache.maxsize = LINE_CACHE
        self.spec = spec
        self.client = client
        self.filters = dict(filters or {})
        self.query_text: str | None = None
        self.rows_by_id: dict[int, Any] = {}
        self.next_cursor: str | None = None
        self.loading_page = False
        self.error: str | None = None
        self.refreshing = asyncio.Lock()

    def on_mount(self) -> None:
        for column in self.spec.columns:
            self.add_column(column.label, key=column.label, width=column.width)
        self.reload()

    # Loading -------------------------------------------------------------------------------

    def reload(self, q: str | None = None, *, keep_query: bool = True) -> None:
        if not keep_query or q is not None:
            self.query_text = q or None
        self.clear()
        self.rows_by_id.clear()
        self.next_cursor = None
        self.load_page(first=True)

    @work(exclusive=True, group="page")
    async def load_page(self, first: bool = False) -> None:
        if not first and (self.next_cursor is None or self.row_count >= MAX_ROWS):
            return
        self.loading_page = True
        try:
            page = await self.spec.endpoint(self.client).list(
                limit=PAGE,
                cursor=None if first else self.next_cursor,
                q=self.query_text,
                **self.filters,
            )
        except VtocError as exc:
            self.error = exc.message
            self.notify(exc.message, title="Could not load", severity="error")
            return
        finally:
            self.loading_page = False
        self.error = None
        self.next_cursor = page.next_cursor
        for row in page.items:
            if row.id not in self.rows_by_id:
                self.rows_by_id[row.id] = row
                self.add_row(*self.cells(row), key=str(row.id))
        self.post_message(self.Loaded(self))
        if self.near_end():
            self.call_after_refresh(self.load_page)  # the operator got there while loading

    def near_end(self) -> bool:
        """The cursor, or the bottom of the viewport, is within ``PREFETCH`` rows of the end."""
        bottom = self.scroll_y + self.scrollable_content_region.height
        return max(self.cursor_row, bottom) >= self.row_count - PREFETCH

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.near_end() and not self.loading_page:
            self.load_page()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """The wheel and the scrollbar move the viewport, not the cursor: page in for them too."""
        super().watch_scroll_y(old_value, new_value)
        if new_value > old_value and self.near_end() and not self.loading_page:
            self.load_page()

    @property
    def more(self) -> bool:
        return self.next_cursor is not None

    # Rows ----------------------------------------------------------------------------------

    def cells(self, row: Any) -> list[Text]:
        return [column.cell(row) for column in self.spec.columns]

    @property
    def selected(self) -> Any | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.rows_by_id.get(int(key)) if key else None

    def put(self, *rows: Any) -> None:
        """Show the latest state of rows: in place if loaded, else on top (one sort for all),
        with the highlighted row and the viewport staying where they are."""
        selected = self.selected
        scroll_y = self.scroll_y
        oldest = min(self.rows_by_id, default=0)
        added = 0
        for row in rows:
            if row.id in self.rows_by_id:
                self.rows_by_id[row.id] = row
                for column, value in zip(self.spec.columns, self.cells(row), strict=True):
                    self.update_cell(str(row.id), column.label, value)
            elif row.id > oldest or not self.more:  # older ones arrive when paged in
                self.rows_by_id[row.id] = row
                self.add_row(*self.cells(row), key=str(row.id))
                added += 1
        if not added:
            return
        if len(self.rows_by_id) > MAX_ROWS:  # a flood: the oldest go, and paging stops there
            self.forget_oldest(len(self.rows_by_id) - MAX_ROWS)
            self.next_cursor = None
        self.sort("ID", key=id_of, reverse=True)
        if selected is not None and selected.id in self.rows_by_id:
            index = self.get_row_index(str(selected.id))
            self.move_cursor(row=index, animate=False, scroll=False)
            if index > 0:
                self.scroll_to(y=scroll_y + added, animate=False, immediate=True)

    def forget_oldest(self, count: int) -> None:
        """Drop the ``count`` oldest rows, leaving their renumbering to the sort that follows.

        Textual's ``remove_row`` renumbers every row on each call: dropping a page of 100
        from a 10,000-row table that way held the event loop 0.9 s. So this takes the rows
        out of the table's stores itself, its private ``_data`` among them."""
        for row_id in heapq.nsmallest(count, self.rows_by_id):
            del self.rows_by_id[row_id]
            key = str(row_id)
            del self.rows[key]  # type: ignore[arg-type]  # a RowKey equals its string
            for column_key in self._data.pop(key):  # type: ignore[call-overload]
                self._updated_cells.discard(CellKey(key, column_key))  # type: ignore[arg-type]
        self._require_update_dimensions = True

    def drop(self, row_id: int) -> None:
        if row_id in self.rows_by_id:
            del self.rows_by_id[row_id]
            self.remove_row(str(row_id))

    def apply_events(self, batch: list[s.Event]) -> None:
        """Bring rows up to date after a batch of events: each changed row fetched once, new
        rows paged in, one sort per page."""
        latest = {
            e.entity_id: e
            for e in batch
            if e.entity == self.spec.entity and e.entity_id is not None
        }
        changed = []
        created = False
        for row_id, event in latest.items():
            if event.kind.endswith(".deleted"):
                self.drop(row_id)
            elif row_id in self.rows_by_id:
                changed.append(row_id)
            elif event.kind.endswith(".created"):
                created = True
        if changed or created:
            self.refresh_rows(changed, created)

    @work(group="live")
    async def refresh_rows(self, changed: list[int], created: bool) -> None:
        # One refresh at a time: the next one starts from the rows this one showed.
        async with self.refreshing:
            endpoint = self.spec.endpoint(self.client)
            rows = []
            for row_id in changed:
                try:
                    rows.append(await endpoint.get(row_id))
                except NotFound:
                    self.drop(row_id)
                except VtocError:
                    continue
            self.put(*rows)
            if created:
                await self.page_in_newest()

    async def page_in_newest(self) -> None:
        """The rows above the newest loaded one, as this table's filters and search see them
        (the server decides), shown a page at a time; past ``NEWEST_ROWS`` of them the table
        starts again at the top instead."""
        top = max(self.rows_by_id, default=0)
        cursor = None
        fetched = 0
        while True:
            try:
                page = await self.spec.endpoint(self.client).list(
                    limit=PAGE, cursor=cursor, q=self.query_text, **self.filters
                )
            except VtocError:
                return
            self.put(*(row for row in page.items if row.id > top))
            fetched += len(page.items)
            cursor = page.next_cursor
            if not top or cursor is None or not page.items or page.items[-1].id <= top:
                return
            if fetched >= NEWEST_ROWS:
                self.reload()
                return
