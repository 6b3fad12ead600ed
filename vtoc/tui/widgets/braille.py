"""A braille canvas: each character cell holds a 2x4 grid of dots, so a terminal of
80x24 plots 160x96 points. Four layers, the coastline under the grid under the trails
under the assets: a cell shows the dots of its top layer only, in that layer's last style."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

from vtoc.tui.widgets.trail_dots import DOT_BITS, DOTS, Trail, TrailDots, on_canvas, project

BRAILLE_BASE = 0x2800
GRID_STYLE = "grey35"
COAST_STYLE = "dark_sea_green4"
COAST, GRID, TRAIL, POINT = range(4)


@dataclass(frozen=True)
class Points:
    """The assets: one (lat, lon) row and one style each, and which one is marked (the
    selected asset): rows, not an object per asset, as a thousand are drawn each frame."""

    spots: np.ndarray
    styles: list[str]
    marked: int | None = None


@dataclass(frozen=True)
class Bounds:
    south: float
    north: float
    west: float
    east: float


@dataclass
class Cell:
    bits: int
    style: str
    layer: int
    marked: bool = False


@dataclass
class Canvas:
    """Dots projected (equirectangular) from ``bounds`` onto ``width`` x ``height`` cells."""

    bounds: Bounds
    width: int
    height: int
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    labels: dict[tuple[int, int], str] = field(default_factory=dict)

    def dot_of(self, lat: float, lon: float) -> tuple[int, int]:
        b = self.bounds
        x = math.floor((lon - b.west) / (b.east - b.west) * self.width * 2)
        y = math.floor((b.north - lat) / (b.north - b.south) * self.height * 4)
        return x, y

    def plot(self, x: int, y: int, style: str, layer: int, marked: bool = False) -> None:
        if not (0 <= x < self.width * 2 and 0 <= y < self.height * 4):
            return
        key = (x // 2, y // 4)
        bit = DOTS[x % 2][y % 4]
        cell = self.cells.get(key)
        if cell is None or cell.layer < layer:
            self.cells[key] = Cell(bit, style, layer, marked)
        elif cell.layer == layer:
            cell.bits |= bit
            cell.style = style
            cell.marked = cell.marked or marked

    def trails(self, trails: list[Trail], dots: TrailDots) -> None:
        """Every trail's dots (``dots`` keeps them from the last frame): a cell gets all
        its dots' bits and the style of the last trail to touch it."""
        bits, owner = dots.cells(trails, self.bounds, self.width, self.height)
        touched = np.flatnonzero(bits)
        for index, cell_bits, by in zip(
            touched.tolist(), bits[touched].tolist(), owner[touched].tolist(), strict=True
        ):
            key = (index % self.width, index // self.width)
            self.cells[key] = Cell(cell_bits, trails[by].style, TRAIL)

    def points(self, points: Points) -> None:
        """The assets over everything, in numpy as the trails are: a cell gets all its
        points' dots, the style of the last and the mark of any."""
        x, y = project(points.spots, self.bounds, self.width, self.height)
        marked = np.zeros(len(x), dtype=bool)
        if points.marked is not None:
            marked[points.marked] = True
        inside = on_canvas(x, y, self.width, self.height)
        owner = np.flatnonzero(inside)
        self.fill(x[inside], y[inside], points.styles, owner, POINT, marked[inside])

    def fill(
        self,
        x: np.ndarray,
        y: np.ndarray,
        styles: list[str],
        owner: np.ndarray,
        layer: int,
        marked: np.ndarray | None = None,
    ) -> None:
        """Dots (all on the canvas) on ``layer``, over what is under it: a cell gets all
        its dots' bits, the style of its last dot's ``owner`` and, with ``marked``, the
        mark of any."""
        cell = (y // 4) * self.width + x // 2
        bits = np.zeros(self.width * self.height, dtype=np.int64)
        np.bitwise_or.at(bits, cell, DOT_BITS[x % 2, y % 4])
        flagged = np.zeros(self.width * self.height, dtype=bool)
        if marked is not None:
            flagged[cell[marked]] = True
        # the last dot in each cell: the first one met going backwards
        touched, first_back = np.unique(cell[::-1], return_index=True)
        last = owner[::-1][first_back]
        for index, by in zip(touched.tolist(), last.tolist(), strict=True):
            key = (index % self.width, index // self.width)
            self.cells[key] = Cell(int(bits[index]), styles[by], layer, bool(flagged[index]))

    def grid(self, step: float) -> None:
        """Dotted lines every ``step`` degrees, each labelled at the canvas's left or foot."""
        b = self.bounds
        if step <= 0:
            return
        for index in range(math.ceil(b.west / step), math.floor(b.east / step) + 1):
            x, _ = self.dot_of(0.0, index * step)
            for y in range(0, self.height * 4, 2):
                self.plot(x, y, GRID_STYLE, GRID)
            self.write(x // 2, self.height - 1, degrees(index * step, step))
        for index in range(math.ceil(b.south / step), math.floor(b.north / step) + 1):
            _, y = self.dot_of(index * step, 0.0)
            for x in range(0, self.width * 2, 2):
                self.plot(x, y, GRID_STYLE, GRID)
            self.write(0, y // 4, degrees(index * step, step))

    def write(self, col: int, row: int, text: str) -> None:
        """A label, unless it would run off the canvas or over another label."""
        if not (0 <= row < self.height) or col < 0 or col + len(text) > self.width:
            return
        if any((c, row) in self.labels for c in range(col - 1, col + len(text) + 1)):
            return
        for offset, char in enumerate(text):
            self.labels[(col + offset, row)] = char


def degrees(value: float, step: float) -> str:
    """A grid line's label, with as many decimals as the step needs ("-0" as "0")."""
    decimals = max(0, -math.floor(math.log10(step)))
    return f"{value + 0.0:.{decimals}f}°".replace("-0°", "0°")


class BrailleMap:
    """A rich renderable: a grid, trails and points in the given bounds, fitted to the
    space it is given."""

    def __init__(
        self,
        points: Points,
        bounds: Bounds,
        *,
        trails: list[Trail] | None = None,
        trail_dots: TrailDots | None = None,
        grid_step: float = 0.0,
        coast: list[tuple[int, int]] | None = None,
    ) -> None:
        """``trail_dots``: the trails' dots kept from the last frame (a map redrawn often
        passes the same each time); ``grid_step``: degrees between grid lines (0: no grid);
        ``coast``: the (x, y) dots of the coastline, for a canvas of the size this is
        given."""
        self.points = points
        self.bounds = bounds
        self.trails = trails or []
        self.trail_dots = trail_dots or TrailDots()
        self.grid_step = grid_step
        self.coast = coast or []

    def canvas(self, width: int, height: int) -> Canvas:
        canvas = Canvas(self.bounds, width, height)
        for x, y in self.coast:
            canvas.plot(x, y, COAST_STYLE, COAST)
        canvas.grid(self.grid_step)
        canvas.trails(self.trails, self.trail_dots)
        canvas.points(self.points)
        return canvas

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        height = options.height or 10
        canvas = self.canvas(width, height)
        label_style = Style.parse(GRID_STYLE)
        blank = Style()
        for row in range(height):
            # one segment per run of a style: a row of 80 segments each 80 cells made
            # Textual's work per frame that much larger
            run: list[str] = []
            run_style = blank
            for col in range(width):
                char, style = self.cell_of(canvas, col, row, label_style, blank)
                if style != run_style and run:
                    yield Segment("".join(run), run_style)
                    run = []
                run.append(char)
                run_style = style
            if run:
                yield Segment("".join(run), run_style)
            yield Segment.line()

    @staticmethod
    def cell_of(
        canvas: Canvas, col: int, row: int, label_style: Style, blank: Style
    ) -> tuple[str, Style]:
        """What one cell shows: an asset or a trail, else a grid label, else the grid or
        the coast, else nothing."""
        cell = canvas.cells.get((col, row))
        if cell is not None and cell.layer > GRID:
            if cell.marked:
                return "◉", Style.parse(f"bold {cell.style} reverse")
            return chr(BRAILLE_BASE + cell.bits), Style.parse(cell.style)
        if (col, row) in canvas.labels:
            return canvas.labels[(col, row)], label_style
        if cell is not None:
            return chr(BRAILLE_BASE + cell.bits), Style.parse(cell.style)
        return " ", blank
