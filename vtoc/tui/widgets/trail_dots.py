"""The trails' dots on a braille canvas, kept from one frame to the next: a thousand moving
assets' trails are a hundred thousand spots and more, and a frame adds one to each. While
the canvas (its bounds and size) and the trails' order stay, a frame draws only each trail's
new lines (and drops those of spots that fell out of its window); anything else draws all
of them again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from vtoc.tui.widgets.braille import Bounds

# dot bit for (x % 2, y % 4), per the Unicode braille pattern layout
DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
DOT_BITS = np.array(DOTS, dtype=np.int64)


class Rows(Protocol):
    """A trail's rows as the canvas reads them (``trails.Places``): ``first`` is the serial
    of the first row; ``history`` stays the same while rows are only added at the end and
    dropped from the front."""

    first: int
    history: int

    def view(self) -> np.ndarray: ...

    def box(self) -> tuple[float, float, float, float] | None: ...


@dataclass(frozen=True)
class Trail:
    """Where an asset has been, oldest first, drawn as joined dots in its style."""

    rows: Rows
    style: str


@dataclass(frozen=True)
class Dots:
    """Dots on the canvas: each one's cell (row-major), bit in its cell, trail (index in
    the frame's list) and the serial of the row its line starts from."""

    cell: np.ndarray
    bit: np.ndarray
    owner: np.ndarray
    serial: np.ndarray

    @classmethod
    def joined(cls, parts: list[Dots]) -> Dots:
        fields = zip(*(part.fields() for part in parts), strict=True)
        return cls(*(np.concatenate(field) for field in fields))

    def where(self, keep: np.ndarray) -> Dots:
        return Dots(*(field[keep] for field in self.fields()))

    def fields(self) -> tuple[np.ndarray, ...]:
        return self.cell, self.bit, self.owner, self.serial


def project(
    spots: np.ndarray, bounds: Bounds, width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """The dots (x, y) of (lat, lon) rows, equirectangular, on or off the canvas."""
    b = bounds
    x = np.floor((spots[:, 1] - b.west) / (b.east - b.west) * width * 2).astype(np.int64)
    y = np.floor((b.north - spots[:, 0]) / (b.north - b.south) * height * 4).astype(np.int64)
    return x, y


def on_canvas(x: np.ndarray, y: np.ndarray, width: int, height: int) -> np.ndarray:
    return (x >= 0) & (x < width * 2) & (y >= 0) & (y < height * 4)


def lines(
    parts: list[np.ndarray],
    firsts: list[int],
    owners: list[int],
    bounds: Bounds,
    width: int,
    height: int,
) -> Dots:
    """The lines joining each part's consecutive (lat, lon) rows (the first row's serial in
    ``firsts``, its trail in ``owners``), one dot per step along the longer axis, as
    ``line`` would draw them one at a time; lines far off the canvas are not drawn. A part
    of one row is its dot (a trail of one spot, or one trimmed down to its newest)."""
    counts = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
    flat = np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.float64)
    x, y = project(flat, bounds, width, height)
    offset = np.repeat(np.cumsum(counts) - counts, counts)
    owner = np.repeat(np.asarray(owners, dtype=np.int64), counts)
    serial = np.repeat(np.asarray(firsts, dtype=np.int64), counts) + np.arange(len(flat)) - offset
    joined = np.flatnonzero(owner[1:] == owner[:-1])  # a row with a next one in its part
    alone = (np.cumsum(counts) - 1)[counts == 1]
    starts = np.concatenate([joined, alone])
    ends = np.concatenate([joined + 1, alone])
    x0, y0, x1, y1 = x[starts], y[starts], x[ends], y[ends]
    steps = np.maximum(np.abs(x1 - x0), np.abs(y1 - y0))
    near = steps <= 4 * (width + height) * 2
    x0, y0, x1, y1, steps = x0[near], y0[near], x1[near], y1[near], steps[near]
    starts = starts[near]
    dots = steps + 1
    line = np.repeat(np.arange(len(steps)), dots)
    step = np.arange(len(line)) - np.repeat(np.cumsum(dots) - dots, dots)
    t = step / np.maximum(steps, 1)[line]
    dx = np.rint(x0[line] + (x1 - x0)[line] * t).astype(np.int64)
    dy = np.rint(y0[line] + (y1 - y0)[line] * t).astype(np.int64)
    inside = on_canvas(dx, dy, width, height)
    dx, dy, line = dx[inside], dy[inside], line[inside]
    return Dots(
        (dy // 4) * width + dx // 2,
        DOT_BITS[dx % 2, dy % 4],
        owner[starts][line],
        serial[starts][line],
    )


class TrailDots:
    """Each cell's trail dots and the trail whose style it shows (the last in the list to
    touch it), kept between frames for one canvas."""

    def __init__(self) -> None:
        self.canvas: tuple[Bounds, int, int] | None = None
        self.histories: list[int] = []
        #: per trail, the serial of its first row and the one after its last, as drawn
        self.firsts: list[int] = []
        self.ends: list[int] = []
        #: the dots drawn, in the parts drawn each frame since they were last joined
        self.dots: list[Dots] = []
        self.bits = np.zeros(0, dtype=np.int64)
        self.owner = np.zeros(0, dtype=np.int64)

    def cells(
        self, trails: list[Trail], bounds: Bounds, width: int, height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per cell (row-major): the bits of its trail dots and the index of the trail
        whose style it shows (-1: none); kept for the next frame, to read only."""
        views, firsts, histories = [], [], []
        for trail in trails:
            rows = trail.rows
            views.append(rows.view())
            firsts.append(rows.first)
            histories.append(rows.history)
        canvas = (bounds, width, height)
        if canvas != self.canvas or histories != self.histories:
            self.dots = [lines(views, firsts, list(range(len(trails))), bounds, width, height)]
            self.count(width * height)
        else:
            self.grow(views, firsts)
        self.canvas, self.histories, self.firsts = canvas, histories, firsts
        self.ends = [first + len(view) for first, view in zip(firsts, views, strict=True)]
        return self.bits, self.owner

    def grow(self, views: list[np.ndarray], firsts: list[int]) -> None:
        """Each trail's lines from the last row drawn (or its first, if that one fell out
        of its window) to its newest; then the lines of rows that fell out are dropped."""
        assert self.canvas is not None
        parts, starts, owners = [], [], []
        for owner, (view, first, drawn) in enumerate(zip(views, firsts, self.ends, strict=True)):
            if first + len(view) > drawn:
                since = max(drawn - 1, first)
                parts.append(view[since - first :])
                starts.append(since)
                owners.append(owner)
        added = lines(parts, starts, owners, *self.canvas)
        self.dots.append(added)
        if any(first > was for first, was in zip(firsts, self.firsts, strict=True)):
            dots = Dots.joined(self.dots)
            self.dots = [dots.where(dots.serial >= np.asarray(firsts)[dots.owner])]
            self.count(len(self.bits))
        else:
            np.bitwise_or.at(self.bits, added.cell, added.bit)
            np.maximum.at(self.owner, added.cell, added.owner)

    def count(self, cells: int) -> None:
        """The cells' bits and owners from all the dots (in one part)."""
        (dots,) = self.dots
        self.bits = np.zeros(cells, dtype=np.int64)
        np.bitwise_or.at(self.bits, dots.cell, dots.bit)
        self.owner = np.full(cells, -1, dtype=np.int64)
        np.maximum.at(self.owner, dots.cell, dots.owner)
