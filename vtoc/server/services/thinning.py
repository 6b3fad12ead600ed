"""Thinning a track to a number of points while keeping its shape.

Ramer-Douglas-Peucker run greedily: start from the first and last point, and split again
and again the stretch whose farthest point lies farthest from its chord, until the points
asked for are kept. Points come in by how far they stand off the line (turns first, points
along a straight leg last), so a count, not a tolerance, decides where it stops: the
libraries on PyPI (``rdp``, ``simplification``) take a tolerance, and finding the one that
keeps N points took ten runs. Each split measures only its own stretch, with numpy when it
is long, so 86,400 points thin to 500 in a few milliseconds; a short stretch is measured in
plain Python, since numpy's ~15 µs a call is more than a loop over 40 points costs (a map's
500 trails of 360 points to 100 are 98,500 such stretches).
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from numpy.typing import NDArray

#: the longest stretch (inner points) measured in plain Python rather than numpy
SHORT_STRETCH = 40


def keep_shape(lat: NDArray[np.float64], lon: NDArray[np.float64], max_points: int) -> list[int]:
    """Indexes (ascending) of at most ``max_points`` points: always the first and the last,
    then the turning points, most pronounced first."""
    if len(lat) <= max_points:
        return list(range(len(lat)))
    return sorted(shape_order(lat, lon, max_points))


def shape_order(lat: NDArray[np.float64], lon: NDArray[np.float64], max_points: int) -> list[int]:
    """The indexes ``keep_shape`` keeps, in the order it takes them: the first and the last,
    then the turns, most pronounced first. Any prefix of this order is the track thinned to
    that many points, which is what an hour's summary stores (``track_summaries``)."""
    n = len(lat)
    if n <= 2:
        return list(range(n))
    # A local plane: a degree of longitude shrinks with the cosine of the latitude.
    x = lon * np.cos(np.radians(float(np.mean(lat))))
    y = lat
    work = np.empty((2, n))
    kept = [0, n - 1]
    stretches: list[tuple[float, int, int, int]] = []  # (-distance, farthest, start, end)

    def measure(start: int, end: int) -> None:
        if end - start < 2:
            return
        if end - start <= SHORT_STRETCH:
            distance, farthest = farthest_short(
                x[start : end + 1].tolist(), y[start : end + 1].tolist()
            )
        else:
            distance, farthest = farthest_long(x[start : end + 1], y[start : end + 1], work)
        heapq.heappush(stretches, (-distance, start + farthest, start, end))

    measure(0, n - 1)
    while len(kept) < max_points and stretches:
        _, farthest, start, end = heapq.heappop(stretches)
        kept.append(farthest)
        measure(start, farthest)
        measure(farthest, end)
    return kept


def farthest_long(
    x: NDArray[np.float64], y: NDArray[np.float64], work: NDArray[np.float64]
) -> tuple[float, int]:
    """The distance of the inner point farthest from the chord of ``x``, ``y`` (from the
    first point when the stretch comes back where it started) and its index. The
    arithmetic is done in place in ``work`` (two rows at least as long as the stretch): a
    new array each step of a day's track was a megabyte to fault in."""
    along, across = work[0, : len(x) - 2], work[1, : len(x) - 2]
    x0, y0 = x[0], y[0]
    dx, dy = x[-1] - x0, y[-1] - y0
    chord = math.hypot(dx, dy)
    np.subtract(x[1:-1], x0, out=along)
    np.subtract(y[1:-1], y0, out=across)
    if chord == 0.0:
        np.hypot(along, across, out=along)
    else:
        along *= dy
        across *= dx
        along -= across
        np.abs(along, out=along)
        along /= chord
    farthest = int(along.argmax())
    return float(along[farthest]), 1 + farthest


def farthest_short(x: list[float], y: list[float]) -> tuple[float, int]:
    """``farthest_long`` in plain Python, the same arithmetic point by point (the first of
    equal distances wins, as with ``np.argmax``)."""
    x0, y0 = x[0], y[0]
    dx, dy = x[-1] - x0, y[-1] - y0
    chord = math.hypot(dx, dy)
    inner = zip(x[1:-1], y[1:-1], strict=True)
    if chord == 0.0:
        distances = [math.hypot(xi - x0, yi - y0) for xi, yi in inner]
    else:
        distances = [abs(dy * (xi - x0) - dx * (yi - y0)) / chord for xi, yi in inner]
    farthest = max(distances)
    return farthest, 1 + distances.index(farthest)
