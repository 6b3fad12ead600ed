"""A DataTable that pages rows in from the server as the operator scrolls.

Textual's DataTable holds every row in memory, so the table asks for one page at a time
(cursor pagination, newest first) when the cursor or the viewport (mouse wheel, scrollbar)
nears the end, and stops at ``MAX_ROWS``:
past that a filter is the better tool. Live events update rows in place; a new row goes
on top without moving the highlighted row or the viewport.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.message import Message
from textual.widgets import DataTable

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, NotFound, VtocError
from vtoc.tui.resources import ResourceSpec

PAGE = 100
MAX_ROWS = 10_000
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

    def cells(self, row: Any) -> list[Any]:
        return [column.render(row) for column in self.spec.columns]

    @property
    def selected(self) -> Any | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.rows_by_id.get(int(key)) if key else None

    def put(self, row: Any) -> None:
        """Show the latest state of a row: in place if loaded, else on top, nothing moving."""
        if row.id in self.rows_by_id:
            self.rows_by_id[row.id] = row
            for column, value in zip(self.spec.columns, self.cells(row), strict=True):
                self.update_cell(str(row.id), column.label, value)
            return
        if self.rows_by_id and row.id < min(self.rows_by_id) and self.more:
            return  # an old row beyond the loaded pages: it arrives when paged in
        selected = self.selected
        scroll_y = self.scroll_y
        self.rows_by_id[row.id] = row
        self.add_row(*self.cells(row), key=str(row.id))
        self.sort("ID", key=int, reverse=True)
        if selected is not None:
            index = self.get_row_index(str(selected.id))
            self.move_cursor(row=index, animate=False, scroll=False)
            if index > 0:
                self.scroll_to(y=scroll_y + 1, animate=False, immediate=True)

    def drop(self, row_id: int) -> None:
        if row_id in self.rows_by_id:
            del self.rows_by_id[row_id]
            self.remove_row(str(row_id))

    def could_match(self, row: Any) -> bool:
        """Whether a row fits this table's filters; a text filter means ask the server."""
        if self.query_text:
            return False
        for name, wanted in self.filters.items():
            value = getattr(row, name, None)
            if name == "asset_id" and hasattr(row, "asset_ids"):
                value = wanted if wanted in row.asset_ids else None
            if isinstance(wanted, list):
                if value not in wanted:
                    return False
            elif value != wanted:
                return False
        return True

    @work(group="live")
    async def apply_event(self, event: s.Event) -> None:
        """Bring one row up to date after an event about it."""
        if event.entity != self.spec.entity or event.entity_id is None:
            return
        if event.kind.endswith(".deleted"):
            self.drop(event.entity_id)
            return
        if event.entity_id not in self.rows_by_id and not event.kind.endswith(".created"):
            return
        try:
            row = await self.spec.endpoint(self.client).get(event.entity_id)
        except NotFound:
            self.drop(event.entity_id)
            return
        except VtocError:
            return
        if event.entity_id in self.rows_by_id or self.could_match(row):
            self.put(row)
