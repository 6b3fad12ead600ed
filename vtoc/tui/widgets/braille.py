"""A braille canvas: each character cell holds a 2x4 grid of dots, so a terminal of
80x24 plots 160x96 points. Points carry a style; the last point drawn in a cell wins."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

BRAILLE_BASE = 0x2800
# dot bit for (x % 2, y % 4), per the Unicode braille pattern layout
DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    style: str
    marked: bool = False


@dataclass(frozen=True)
class Bounds:
    south: float
    north: float
    west: float
    east: float

    @classmethod
    def around(cls, points: list[Point], margin: float = 0.05) -> Bounds:
        if not points:
            return cls(-90, 90, -180, 180)
        lats = [p.lat for p in points]
        lons = [p.lon for p in points]
        dlat = max(max(lats) - min(lats), 0.01) * margin
        dlon = max(max(lons) - min(lons), 0.01) * margin
        return cls(min(lats) - dlat, max(lats) + dlat, min(lons) - dlon, max(lons) + dlon)


class BrailleMap:
    """A rich renderable: points projected (equirectangular) into the given bounds."""

    def __init__(self, points: list[Point], bounds: Bounds | None = None) -> None:
        self.points = points
        self.bounds = bounds or Bounds.around(points)

    def cells(self, width: int, height: int) -> dict[tuple[int, int], tuple[int, str, bool]]:
        b = self.bounds
        out: dict[tuple[int, int], tuple[int, str, bool]] = {}
        for p in self.points:
            x = round((p.lon - b.west) / (b.east - b.west) * (width * 2 - 1))
            y = round((b.north - p.lat) / (b.north - b.south) * (height * 4 - 1))
            if not (0 <= x < width * 2 and 0 <= y < height * 4):
                continue
            cell = (x // 2, y // 4)
            bits, _, marked = out.get(cell, (0, "", False))
            out[cell] = (bits | DOTS[x % 2][y % 4], p.style, marked or p.marked)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        height = options.height or 10
        cells = self.cells(width, height)
        for row in range(height):
            for col in range(width):
                if (col, row) in cells:
                    bits, style, marked = cells[(col, row)]
                    if marked:
                        yield Segment("◉", Style.parse(f"bold {style} reverse"))
                    else:
                        yield Segment(chr(BRAILLE_BASE + bits), Style.parse(style))
                else:
                    yield Segment(" ")
            yield Segment.line()
