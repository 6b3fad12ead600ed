"""A list that draws only the rows on screen, over rows kept in a plain list, newest first.

Textual's DataTable renders, keys and re-sorts every row it holds: with 10,000 rows each
insert during an alert flood held the event loop ~0.2 s. This widget keeps the row objects
in a list ordered by id (newest first) and draws each visible line when Textual asks for it
(the line API, as toolong does for huge logs). Inserts, updates and paging change the list
and mark the widget dirty; Textual repaints once per frame however many came in between.

Live rows follow one rule: with the cursor on the newest row the list follows new rows as
``tail -f`` does; otherwise the selection and the viewport stay on the rows the operator
reads, and a line at the top says how many new rows are above. More new rows than the list
keeps (a flood) are only counted until the operator goes to the top (``detach``).

Longer than most modules: the rows, the cursor, the viewport and the notice above them are
one state, and every move of one moves the others.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from vtoc.tui.resources import Column

#: rendered rows kept for repaints: a screen's worth many times over
STRIP_CACHE = 256
#: the cells the last column (the one without a width) keeps before others grow ``wide``
ROOM = 30


@lru_cache(maxsize=64)
def widths(columns: tuple[Column, ...], width: int) -> tuple[int, ...]:
    """Each column's cells at this width: its own, more up to ``wide`` (left to right)
    while the last column keeps ``ROOM``, and the last column what is left. Cached: every
    line drawn asks, and a flood draws many."""
    sizes = [column.width or 0 for column in columns]
    spare = width - sum(sizes) - 2 * len(sizes) - ROOM
    for index, column in enumerate(columns):
        if column.wide is not None and column.width is not None and spare > 0:
            grown = min(column.wide - column.width, spare)
            sizes[index] += grown
            spare -= grown
    used = sum(sizes) + 2 * len(sizes)
    return tuple(
        size if column.width is not None else max(0, width - used)
        for column, size in zip(columns, sizes, strict=True)
    )


def by_id(row: Any) -> Any:
    return row.id


class Newer:
    """A sort key compared the other way round: the list is newest first, and ``bisect``
    wants its keys ascending."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: Newer) -> bool:
        return bool(self.key > other.key)


class RowList(ScrollView, can_focus=True):
    """Rows with an ``id``, newest first by ``order`` (the server's order: the id, or for
    intel the observation time), a header line and a row cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Open", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "Top", show=False),
        Binding("end,ctrl+end", "last", "Bottom", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-list--header",
        "row-list--cursor",
        "row-list--notice",
    }

    DEFAULT_CSS = """
    RowList {
        background: $surface;
        color: $foreground;
        width: 1fr;
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .row-list--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .row-list--header {
                background-tint: $foreground 5%;
            }
        }
        & > .row-list--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .row-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .row-list--notice {
            background: $accent;
            color: $text;
            text-style: bold;
        }
    }
    """

    class Chosen(Message):
        """``enter``, or a click on the highlighted row: open it."""

        def __init__(self, rows: RowList, row: Any) -> None:
            super().__init__()
            self.rows = rows
            self.row = row

        @property
        def control(self) -> RowList:
            return self.rows

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        cap: int,
        order: Callable[[Any], Any] = by_id,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        #: a row's place: the higher, the nearer the top; unique (the id breaks ties)
        self.order = order
        #: the most rows kept; live rows past it start the list again at the top
        self.cap = cap
        self.rows: list[Any] = []
        self.rows_by_id: dict[int, Any] = {}
        self.cursor_row = 0
        #: new rows above the viewport that the operator has not scrolled up to
        self.unseen = 0
        #: more new rows came than the list keeps: they show when the operator goes to the top
        self.detached = False
        self.empty_text = ""
        #: rendered rows by id, with the width and base style they were rendered for
        self.strips: LRUCache[int, tuple[int, Style, Strip]] = LRUCache(STRIP_CACHE)
        self.base_style = Style()

    # Reading -------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]

    @property
    def selected(self) -> Any | None:
        return self.rows[self.cursor_row] if self.rows else None

    def index_of(self, row_id: int) -> int:
        """Where a loaded row is (``KeyError`` if it is not)."""
        key = Newer(self.order(self.rows_by_id[row_id]))
        index = bisect_left(self.rows, key, key=lambda row: Newer(self.order(row)))
        if index == len(self.rows) or self.rows[index].id != row_id:
            raise KeyError(row_id)
        return index

    @property
    def following(self) -> bool:
        """The cursor is on the newest row, in view: new rows take it along, as ``tail -f``."""
        return self.cursor_row == 0 and self.scroll_offset.y == 0 and not self.detached

    @property
    def notice(self) -> str:
        if self.detached:
            count = f"{self.unseen:,} " if self.unseen else ""
            return f"▲ {count}new rows: home shows them"
        if self.unseen and self.scroll_offset.y > 0:
            return f"▲ {self.unseen:,} new"
        return ""

    @property
    def fixed_lines(self) -> int:
        """The header, and the notice line above it when there is one."""
        return 2 if self.notice else 1

    @property
    def body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - self.fixed_lines)

    # Changing the rows ---------------------------------------------------------------------

    def clear(self) -> None:
        self.rows.clear()
        self.rows_by_id.clear()
        self.strips.clear()
        self.cursor_row = 0
        self.unseen = 0
        self.detached = False
        self.resized(scroll_y=0)

    def extend_older(self, rows: Iterable[Any]) -> None:
        """A page from further down: rows not loaded yet go below, nothing moves."""
        self.insert(rows, keep_viewport=False)

    def put(self, rows: Iterable[Any]) -> int:
        """The latest state of rows: in place if loaded, else where their id puts them, with
        the selection and the viewport staying on the rows they were on. New rows counted."""
        return self.insert(rows, keep_viewport=True)

    def insert(self, rows: Iterable[Any], *, keep_viewport: bool) -> int:
        follow = keep_viewport and self.following
        selected = self.selected
        scroll_y = self.scroll_offset.y
        top = self.rows[min(scroll_y, len(self.rows) - 1)] if self.rows else None
        new = []
        moved = []  # rows whose update changes their place: out, then in where they now go
        for row in {row.id: row for row in rows}.values():  # one state a row, the last
            loaded = self.rows_by_id.get(row.id)
            if loaded is None:
                new.append(row)
            elif self.order(row) == self.order(loaded):
                self.rows[self.index_of(row.id)] = row
            else:
                del self.rows[self.index_of(row.id)]
                moved.append(row)
            self.strips.discard(row.id)
            self.rows_by_id[row.id] = row
        coming = new + moved
        if not coming:
            self.refresh()
            return 0
        coming.sort(key=self.order, reverse=True)
        if not self.rows or self.order(coming[-1]) > self.order(self.rows[0]):
            self.rows[:0] = coming  # live rows above all loaded ones: the list needs no sort
        elif self.order(coming[0]) < self.order(self.rows[-1]):
            self.rows.extend(coming)  # a page from below
        else:
            self.rows.extend(coming)
            self.rows.sort(key=self.order, reverse=True)  # timsort: ordered runs cost little
        if follow:
            self.cursor_row = scroll_y = 0
        elif selected is not None:
            self.cursor_row = self.index_of(selected.id)
            if keep_viewport and top is not None:
                above = self.index_of(top.id) - scroll_y
                self.unseen = max(0, self.unseen + above)
                scroll_y += above
        self.resized(scroll_y=scroll_y)
        return len(new)

    def replace(self, rows: Iterable[Any]) -> None:
        """Start again with these rows, the cursor on the newest."""
        self.clear()
        self.extend_older(rows)

    def remove_row(self, row_id: int) -> None:
        if row_id not in self.rows_by_id:
            return
        index = self.index_of(row_id)
        del self.rows[index]
        del self.rows_by_id[row_id]
        self.strips.discard(row_id)
        if index < self.cursor_row or self.cursor_row >= len(self.rows):
            self.cursor_row = max(0, self.cursor_row - 1)
        self.resized(scroll_y=self.scroll_offset.y)

    def trim(self) -> None:
        """Past the cap the oldest rows go (a list that pages brings them back)."""
        for row in self.rows[self.cap :]:
            del self.rows_by_id[row.id]
            self.strips.discard(row.id)
        del self.rows[self.cap :]
        self.cursor_row = min(self.cursor_row, max(0, len(self.rows) - 1))
        self.resized(scroll_y=self.scroll_offset.y)

    def fits(self, rows: list[Any], *, complete: bool) -> bool:
        """New rows can go on top: they reach down to the loaded ones (no gap between) and
        the list stays within its cap."""
        return complete and len(self.rows) + len(rows) <= self.cap

    def detach(self, coming: int) -> None:
        """More new rows came than the list can take above the rows the operator reads: it
        counts them (``coming``, 0 when not known) until the operator goes to the top."""
        self.detached = True
        self.unseen += coming
        self.resized(scroll_y=self.scroll_offset.y)

    def resized(self, *, scroll_y: int) -> None:
        """After a change in rows: the new height, the viewport at ``scroll_y``, the cursor
        kept in view if it was (not when the wheel took the viewport elsewhere), one repaint
        (Textual coalesces repaints into the next frame)."""
        in_view = 0 <= self.cursor_row - scroll_y <= self.body_height  # the notice may take one
        width = self.scrollable_content_region.width
        self.virtual_size = Size(width, len(self.rows) + self.fixed_lines)
        self.scroll_to(y=scroll_y, animate=False, immediate=True)
        if in_view:
            self.keep_cursor_visible()
        self.refresh()

    # The cursor ----------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        """Highlight row ``row`` (clamped), scrolling just enough to show it."""
        row = max(0, min(row, len(self.rows) - 1))
        if row == self.cursor_row:
            return
        self.cursor_row = row
        self.keep_cursor_visible()
        self.refresh()
        self.moved()

    def moved(self) -> None:
        """The cursor or the viewport moved (a list that pages in looks at where to)."""

    def keep_cursor_visible(self) -> None:
        if not self.size:
            return  # not laid out yet: nothing to keep in view
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + self.body_height:
            self.scroll_to(y=self.cursor_row - self.body_height + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self.body_height)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self.body_height)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.rows) - 1)

    def action_choose(self) -> None:
        if self.selected is not None:
            self.post_message(self.Chosen(self, self.selected))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.fixed_lines:
            return
        index = self.scroll_offset.y + offset.y - self.fixed_lines
        if index >= len(self.rows):
            return
        event.stop()
        if index == self.cursor_row:
            self.action_choose()
        else:
            self.move_cursor(index)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Rows the operator scrolled up to are no longer unseen."""
        super().watch_scroll_y(old_value, new_value)
        if not self.detached and self.unseen > int(new_value):
            had_notice = self.fixed_lines
            self.unseen = int(new_value)
            if self.fixed_lines != had_notice:
                self.resized(scroll_y=int(new_value))
        self.moved()

    # Drawing -------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.strips.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        self.base_style = self.rich_style  # one walk up the DOM a frame, not one a line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.base_style
        notice = self.notice
        if notice and y == 0:
            style = base + self.get_component_rich_style("row-list--notice")
            return Strip([Segment(f" {notice}", style)]).adjust_cell_length(width, style)
        if y == self.fixed_lines - 1:
            style = base + self.get_component_rich_style("row-list--header")
            return self.line([Text(c.label) for c in self.columns], width, style)
        index = self.scroll_offset.y + y - self.fixed_lines
        if index >= len(self.rows):
            if index == 0 and self.empty_text:
                return Strip([Segment(f" {self.empty_text}", base)]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        row = self.rows[index]
        if index == self.cursor_row:
            cursor = self.get_component_rich_style("row-list--cursor")
            return self.line(self.cells(row), width, base + cursor, post=cursor)
        cached = self.strips.get(row.id)
        if cached is not None and cached[:2] == (width, base):
            return cached[2]
        strip = self.line(self.cells(row), width, base)
        self.strips[row.id] = (width, base, strip)
        return strip

    def cells(self, row: Any) -> list[Text]:
        return [column.cell(row) for column in self.columns]

    def line(self, cells: list[Text], width: int, style: Style, post: Style | None = None) -> Strip:
        """One row of cells, each padded by a space and cut at its column's width."""
        line = Text(no_wrap=True, overflow="crop")
        for size, cell in zip(widths(self.columns, width), cells, strict=True):
            cell = cell.copy()
            cell.truncate(size, pad=True)
            line.append(" ")
            line.append_text(cell)
            line.append(" ")
        segments = Segment.apply_style(
            line.render(self.app.console), style, post_style=post and self.colours(post)
        )
        return Strip(segments).adjust_cell_length(width, style).simplify()

    @staticmethod
    def colours(style: Style) -> Style:
        """The cursor's colours win over a cell's own (a red severity on the cursor row)."""
        return Style(color=style.color, bgcolor=style.bgcolor)
