"""A braille canvas: each character cell holds a 2x4 grid of dots, so a terminal of
80x24 plots 160x96 points. Four layers, the coastline under the grid under the trails
under the assets: a cell shows the dots of its top layer only, in that layer's last style.

The cells are numpy arrays, not an object each: a thousand assets and their trails touch
most of the canvas every frame, and the screen is read as runs of one style per row."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.style import Style

from vtoc.tui.widgets.trail_dots import DOT_BITS, Trail, TrailDots, on_canvas, project

BRAILLE_BASE = 0x2800
GRID_STYLE = "grey35"
COAST_STYLE = "dark_sea_green4"
COAST, GRID, TRAIL, POINT = range(4)
#: what marks the selected asset
MARK = "◉"

#: one row of the map: its text in runs of one style, (text, style)
Runs = tuple[tuple[str, str], ...]


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


class Canvas:
    """Dots projected (equirectangular) from ``bounds`` onto ``width`` x ``height`` cells:
    per cell (row-major) its dots' bits, top layer (-1: none), style (an index into
    ``styles``) and whether it is marked; and the grid's labels."""

    def __init__(self, bounds: Bounds, width: int, height: int) -> None:
        self.bounds, self.width, self.height = bounds, width, height
        cells = width * height
        self.bits = np.zeros(cells, dtype=np.int64)
        self.layer = np.full(cells, -1, dtype=np.int64)
        self.style = np.zeros(cells, dtype=np.int64)
        self.marked = np.zeros(cells, dtype=bool)
        self.labels: dict[tuple[int, int], str] = {}
        self.styles: list[str] = [""]
        self.style_ids: dict[str, int] = {"": 0}

    def style_id(self, style: str) -> int:
        found = self.style_ids.get(style)
        if found is None:
            found = self.style_ids[style] = len(self.styles)
            self.styles.append(style)
        return found

    def dot_of(self, lat: float, lon: float) -> tuple[int, int]:
        b = self.bounds
        x = math.floor((lon - b.west) / (b.east - b.west) * self.width * 2)
        y = math.floor((b.north - lat) / (b.north - b.south) * self.height * 4)
        return x, y

    def fill(
        self,
        x: np.ndarray,
        y: np.ndarray,
        style: np.ndarray,
        layer: int,
        marked: np.ndarray | None = None,
    ) -> None:
        """Dots on ``layer`` (those off the canvas are left out), over what is under it:
        a cell gets all its dots' bits, the ``style`` (one per dot) of its last dot and,
        with ``marked``, the mark of any."""
        inside = on_canvas(x, y, self.width, self.height)
        x, y, style = x[inside], y[inside], style[inside]
        cell = (y // 4) * self.width + x // 2
        bits = np.zeros(self.width * self.height, dtype=np.int64)
        np.bitwise_or.at(bits, cell, DOT_BITS[x % 2, y % 4])
        last = np.full(len(bits), -1, dtype=np.int64)
        np.maximum.at(last, cell, np.arange(len(cell)))
        touched = np.flatnonzero(last >= 0)
        self.bits[touched] = bits[touched]
        self.layer[touched] = layer
        self.style[touched] = style[last[touched]]
        self.marked[touched] = False
        if marked is not None:
            self.marked[cell[marked[inside]]] = True

    def coast(self, dots: np.ndarray) -> None:
        """The coastline's (x, y) dots."""
        style = np.full(len(dots), self.style_id(COAST_STYLE), dtype=np.int64)
        self.fill(dots[:, 0], dots[:, 1], style, COAST)

    def grid(self, step: float) -> None:
        """Dotted lines every ``step`` degrees, each labelled at the canvas's left or foot."""
        b = self.bounds
        if step <= 0:
            return
        xs, ys = [], []
        down = np.arange(0, self.height * 4, 2, dtype=np.int64)
        across = np.arange(0, self.width * 2, 2, dtype=np.int64)
        for index in range(math.ceil(b.west / step), math.floor(b.east / step) + 1):
            x, _ = self.dot_of(0.0, index * step)
            xs.append(np.full(len(down), x, dtype=np.int64))
            ys.append(down)
            self.write(x // 2, self.height - 1, degrees(index * step, step))
        for index in range(math.ceil(b.south / step), math.floor(b.north / step) + 1):
            _, y = self.dot_of(index * step, 0.0)
            xs.append(across)
            ys.append(np.full(len(across), y, dtype=np.int64))
            self.write(0, y // 4, degrees(index * step, step))
        if xs:
            dots_x, dots_y = np.concatenate(xs), np.concatenate(ys)
            style = np.full(len(dots_x), self.style_id(GRID_STYLE), dtype=np.int64)
            self.fill(dots_x, dots_y, style, GRID)

    def trails(self, trails: list[Trail], dots: TrailDots) -> None:
        """Every trail's dots (``dots`` keeps them from the last frame): a cell gets all
        its dots' bits and the style of the last trail to touch it."""
        bits, owner = dots.cells(trails, self.bounds, self.width, self.height)
        touched = np.flatnonzero(bits)
        ids = np.fromiter((self.style_id(t.style) for t in trails), np.int64, len(trails))
        self.bits[touched] = bits[touched]
        self.layer[touched] = TRAIL
        self.style[touched] = ids[owner[touched]]
        self.marked[touched] = False

    def points(self, points: Points) -> None:
        """The assets over everything: a cell gets all its points' dots, the style of the
        last and the mark of any."""
        x, y = project(points.spots, self.bounds, self.width, self.height)
        marked = np.zeros(len(x), dtype=bool)
        if points.marked is not None:
            marked[points.marked] = True
        ids = [self.style_id(style) for style in points.styles]
        self.fill(x, y, np.array(ids, dtype=np.int64).reshape(-1), POINT, marked)

    def write(self, col: int, row: int, text: str) -> None:
        """A label, unless it would run off the canvas or over another label."""
        if not (0 <= row < self.height) or col < 0 or col + len(text) > self.width:
            return
        if any((c, row) in self.labels for c in range(col - 1, col + len(text) + 1)):
            return
        for offset, char in enumerate(text):
            self.labels[(col + offset, row)] = char

    def rows(self) -> list[Runs]:
        """What each cell shows, row by row in runs of one style: an asset or a trail (the
        marked asset as MARK, reversed), else a grid label, else the grid or the coast,
        else nothing."""
        width, height = self.width, self.height
        top = self.layer > GRID
        code = np.where(self.layer >= 0, BRAILLE_BASE + self.bits, ord(" "))
        style = np.where(self.layer >= 0, self.style, 0)
        label = self.style_id(GRID_STYLE)
        for (col, row), char in self.labels.items():
            index = row * width + col
            if not top[index]:
                code[index], style[index] = ord(char), label
        for index in np.flatnonzero(top & self.marked).tolist():
            code[index] = ord(MARK)
            style[index] = self.style_id(f"bold {self.styles[style[index]]} reverse")
        # styles that read the same are one run, as one Style they are
        same: dict[Style, int] = {}
        alike = np.array([same.setdefault(Style.parse(s), n) for n, s in enumerate(self.styles)])
        style = alike[style].reshape(height, width)
        text = code.astype("<u4").tobytes().decode("utf-32-le")
        rows = []
        for row in range(height):
            line, ids = text[row * width : (row + 1) * width], style[row]
            cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), width]
            rows.append(
                tuple(
                    (line[start:end], self.styles[by])
                    for start, end, by in zip(
                        cuts[:-1], cuts[1:], ids[cuts[:-1]].tolist(), strict=True
                    )
                )
            )
        return rows


def degrees(value: float, step: float) -> str:
    """A grid line's label, with as many decimals as the step needs ("-0" as "0")."""
    decimals = max(0, -math.floor(math.log10(step)))
    return f"{value + 0.0:.{decimals}f}°".replace("-0°", "0°")


NO_DOTS = np.empty((0, 2), dtype=np.int64)


class BrailleMap:
    """A grid, trails and points in the given bounds, drawn on a canvas of any size."""

    def __init__(
        self,
        points: Points,
        bounds: Bounds,
        *,
        trails: list[Trail] | None = None,
        trail_dots: TrailDots | None = None,
        grid_step: float = 0.0,
        coast: np.ndarray | None = None,
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
        self.coast = NO_DOTS if coast is None else coast

    def canvas(self, width: int, height: int) -> Canvas:
        canvas = Canvas(self.bounds, width, height)
        canvas.coast(self.coast)
        canvas.grid(self.grid_step)
        canvas.trails(self.trails, self.trail_dots)
        canvas.points(self.points)
        return canvas

    def rows(self, width: int, height: int) -> list[Runs]:
        """The map on ``width`` x ``height`` cells, row by row in runs of one style."""
        if width <= 0 or height <= 0:
            return []
        return self.canvas(width, height).rows()
