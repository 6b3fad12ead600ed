"""The map's canvas as a Textual widget that paints its rows itself: a row is one strip of
a segment per run of a style, kept from one frame to the next, and only the rows that
changed are painted again. Handed to Textual as a Rich renderable, the map was rendered,
split into lines and cropped by Rich every frame (about as long as drawing it)."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import BindingType
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from vtoc.tui.keymap import MAP_CANVAS
from vtoc.tui.widgets.braille import BrailleMap, Runs


class MapCanvas(Widget, can_focus=True):
    """The map itself; focused (tab), the arrow keys pan it instead of moving the list."""

    BINDINGS: ClassVar[list[BindingType]] = MAP_CANVAS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.map: BrailleMap | None = None
        #: the rows as drawn, their strips, and the size and base style they are for
        self.runs: list[Runs] = []
        self.strips: list[Strip] = []
        self.drawn: tuple[int, int, Style] | None = None
        #: each style as painted: the widget's own style under it
        self.painted: dict[str, Style] = {}

    def show(self, braille: BrailleMap) -> None:
        """``braille`` from now on: the rows that changed are painted again (all of them
        when the size or the widget's style changed since they were drawn)."""
        self.map = braille
        width, height = self.content_size
        if self.drawn != (width, height, self.visual_style.rich_style):
            self.refresh()  # drawn afresh when painted
            return
        runs = braille.rows(width, height)
        changed = [
            y for y, (new, old) in enumerate(zip(runs, self.runs, strict=True)) if new != old
        ]
        for y in changed:
            self.strips[y] = self.strip(runs[y], width)
        self.runs = runs
        if len(changed) == height:
            self.refresh()
        elif changed:
            self.refresh(*(Region(0, y, width, 1) for y in changed))

    def strip(self, runs: Runs, width: int) -> Strip:
        painted = self.painted
        segments = []
        for text, name in runs:
            style = painted.get(name)
            if style is None:
                assert self.drawn is not None
                style = painted[name] = self.drawn[2] + Style.parse(name)
            segments.append(Segment(text, style))
        return Strip(segments, width)

    def render_line(self, y: int) -> Strip:
        width, height = self.content_size
        base = self.visual_style.rich_style
        if self.map is not None and self.drawn != (width, height, base):
            if self.drawn is None or self.drawn[2] != base:
                self.painted = {}
            self.drawn = width, height, base
            self.runs = self.map.rows(width, height)
            self.strips = [self.strip(runs, width) for runs in self.runs]
        if y < len(self.strips):
            return self.strips[y]
        return Strip.blank(width, base)
