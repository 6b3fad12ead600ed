"""A braille canvas: each character cell holds a 2x4 grid of dots, so a terminal of
80x24 plots 160x96 points. Four layers, the coastline under the grid under the trails
under the assets: a cell shows the dots of its top layer only, in that layer's last style."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

BRAILLE_BASE = 0x2800
# dot bit for (x % 2, y % 4), per the Unicode braille pattern layout
DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
GRID_STYLE = "grey35"
COAST_STYLE = "dark_sea_green4"
COAST, GRID, TRAIL, POINT = range(4)


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    style: str
    marked: bool = False


@dataclass(frozen=True)
class Trail:
    """Where an asset has been, oldest first, drawn as joined dots in its style."""

    spots: list[tuple[float, float]]
    style: str


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

    def path(self, spots: list[tuple[float, float]]) -> list[tuple[int, int]]:
        """The dots of (lat, lon) spots, each dot once however many spots fall in it in a
        row (a parked asset's trail is thousands of spots in one dot)."""
        dots: list[tuple[int, int]] = []
        for lat, lon in spots:
            dot = self.dot_of(lat, lon)
            if not dots or dot != dots[-1]:
                dots.append(dot)
        return dots

    def line(self, start: tuple[int, int], end: tuple[int, int], style: str) -> None:
        """The dots between two dots (both included), one per step along the longer axis."""
        (x0, y0), (x1, y1) = start, end
        steps = max(abs(x1 - x0), abs(y1 - y0))
        if steps > 4 * (self.width + self.height) * 2:  # far off the canvas: not drawn
            return
        if steps <= 1:  # neighbours: nothing between them
            self.plot(x0, y0, style, TRAIL)
            self.plot(x1, y1, style, TRAIL)
            return
        for step in range(steps + 1):
            t = step / steps if steps else 0.0
            self.plot(round(x0 + (x1 - x0) * t), round(y0 + (y1 - y0) * t), style, TRAIL)

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
        points: list[Point],
        bounds: Bounds,
        *,
        trails: list[Trail] | None = None,
        grid_step: float = 0.0,
        coast: list[tuple[int, int]] | None = None,
    ) -> None:
        """``grid_step``: degrees between grid lines (0: no grid); ``coast``: the (x, y)
        dots of the coastline, for a canvas of the size this is given."""
        self.points = points
        self.bounds = bounds
        self.trails = trails or []
        self.grid_step = grid_step
        self.coast = coast or []

    def canvas(self, width: int, height: int) -> Canvas:
        canvas = Canvas(self.bounds, width, height)
        for x, y in self.coast:
            canvas.plot(x, y, COAST_STYLE, COAST)
        canvas.grid(self.grid_step)
        for trail in self.trails:
            dots = canvas.path(trail.spots)
            for start, end in pairwise(dots):
                canvas.line(start, end, trail.style)
            if len(dots) == 1:
                canvas.plot(*dots[0], trail.style, TRAIL)
        for p in self.points:
            canvas.plot(*canvas.dot_of(p.lat, p.lon), p.style, POINT, p.marked)
        return canvas

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        height = options.height or 10
        canvas = self.canvas(width, height)
        label_style = Style.parse(GRID_STYLE)
        for row in range(height):
            for col in range(width):
                cell = canvas.cells.get((col, row))
                if cell is not None and cell.layer > GRID:
                    if cell.marked:
                        yield Segment("◉", Style.parse(f"bold {cell.style} reverse"))
                    else:
                        yield Segment(chr(BRAILLE_BASE + cell.bits), Style.parse(cell.style))
                elif (col, row) in canvas.labels:
                    yield Segment(canvas.labels[(col, row)], label_style)
                elif cell is not None:
                    yield Segment(chr(BRAILLE_BASE + cell.bits), Style.parse(cell.style))
                else:
                    yield Segment(" ")
            yield Segment.line()
