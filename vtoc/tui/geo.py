"""What part of the earth the map shows, and how an operator reads a place on it: the
viewport (zoom, pan), the grid's step, the scale, and MGRS beside lat/lon."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np

from vtoc.tui.widgets.braille import Bounds

#: metres in a degree of latitude (and of longitude at the equator)
METRES_PER_DEGREE = 111_320.0
#: the narrowest a view gets: about 100 m across
MIN_SPAN = 0.001
#: the narrowest view that fits the assets: about 2 km across
FIT_SPAN = 0.02
#: room left around the assets when fitting them, as a part of the width
MARGIN = 0.05
#: a fitted view stays until the assets need one this many times narrower (or a wider one)
REFIT = 1.5
#: a pan moves the view by this part of its width or height
PAN_STEP = 0.25
#: the grid aims at about this many lines across the view
GRID_LINES = 4


@dataclass(frozen=True)
class Viewport:
    """A centre and a width in degrees of longitude; the height follows from the canvas's
    shape (a braille dot is about as tall as it is wide) and the centre's latitude (a degree
    of longitude shrinks toward the poles), so shapes keep their proportions there."""

    lat: float
    lon: float
    span: float

    @classmethod
    def around(cls, spots: np.ndarray) -> Viewport:
        """The view that fits every (lat, lon) row with a margin, at least FIT_SPAN wide;
        the whole world when there are none."""
        if not len(spots):
            return cls(0.0, 0.0, 360.0)
        south, west = (float(v) for v in spots.min(axis=0))
        north, east = (float(v) for v in spots.max(axis=0))
        middle = (north + south) / 2
        # the canvas is about twice as wide as tall
        lat_span = (north - south) * 2 / shrink(middle)
        span = max(east - west, lat_span, FIT_SPAN) * (1 + 2 * MARGIN)
        return cls(middle, (east + west) / 2, min(span, 360.0))

    def holds(self, fit: Viewport) -> bool:
        """Whether this view shows all that ``fit`` (from ``around``) was fitted to, in
        its margin or inside it, and is at most REFIT times as wide."""
        inner = fit.span / (1 + 2 * MARGIN)
        return (
            inner <= self.span <= fit.span * REFIT
            and abs(fit.lon - self.lon) + inner / 2 <= self.span / 2
            and abs(fit.lat - self.lat) + inner * shrink(fit.lat) / 4
            <= self.span * shrink(self.lat) / 4
        )

    def zoomed(self, factor: float) -> Viewport:
        """``factor`` < 1 zooms in; the width stays between 100 m and the world."""
        return replace(self, span=min(max(self.span * factor, MIN_SPAN), 360.0))

    def panned(self, east: float, north: float) -> Viewport:
        """Moved by ``east``/``north`` widths of the view (negative: west/south)."""
        lat = min(max(self.lat + north * self.span * PAN_STEP, -90.0), 90.0)
        lon = (self.lon + east * self.span * PAN_STEP + 180.0) % 360.0 - 180.0
        return replace(self, lat=lat, lon=lon)

    def bounds(self, width: int, height: int) -> Bounds:
        """The corners for a canvas of ``width`` x ``height`` cells (2 x 4 dots each)."""
        lat_span = self.span * shrink(self.lat) * (height * 4) / max(width * 2, 1)
        return Bounds(
            self.lat - lat_span / 2,
            self.lat + lat_span / 2,
            self.lon - self.span / 2,
            self.lon + self.span / 2,
        )

    def grid_step(self) -> float:
        """A round step (1, 2 or 5 times a power of ten degrees) for about GRID_LINES lines."""
        return nice(self.span / GRID_LINES)

    def scale(self, width: int) -> str:
        """A scale bar for a canvas ``width`` cells wide: a round distance, at most a third
        of the width long (true at the centre's latitude)."""
        per_column = self.span / max(width, 1) * METRES_PER_DEGREE * shrink(self.lat)
        metres = nice(per_column * max(width // 3, 2))
        length = max(2, round(metres / per_column))
        label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
        return f"├{'─' * (length - 2)}┤ {label}"


def shrink(lat: float) -> float:
    """How much shorter a degree of longitude is at ``lat`` than at the equator (never 0:
    the poles are drawn as if at 89°)."""
    return max(math.cos(math.radians(lat)), math.cos(math.radians(89.0)))


def nice(value: float) -> float:
    """The largest of 1, 2, 5 x 10^n not above ``value`` (0 for none)."""
    if value <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * power <= value:
            return float(f"{step * power:.12g}")
    return float(power)  # pragma: no cover - 1 x 10^n never exceeds value


@cache
def _converter() -> Any:
    import mgrs  # native code; loaded the first time a place is shown

    return mgrs.MGRS()


def to_mgrs(lat: float, lon: float) -> str:
    """The Military Grid Reference System square at 1 m, spaced as read aloud
    ("31N AA 66021 00000"; past 84°N and 80°S mgrs writes UPS the same way)."""
    raw: str = _converter().toMGRS(lat, lon, MGRSPrecision=5)
    zone = raw[:-10]
    return f"{zone[:-2]} {zone[-2:]} {raw[-10:-5]} {raw[-5:]}"
