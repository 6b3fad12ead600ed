"""Thinning a track to a number of points while keeping its shape.

Ramer-Douglas-Peucker run greedily: start from the first and last point, and split again
and again the stretch whose farthest point lies farthest from its chord, until the points
asked for are kept. Points come in by how far they stand off the line (turns first, points
along a straight leg last), so a count, not a tolerance, decides where it stops: the
libraries on PyPI (``rdp``, ``simplification``) take a tolerance, and finding the one that
keeps N points took ten runs. Each split measures only its own stretch, with numpy, so
86,400 points thin to 500 in a few milliseconds.
"""

from __future__ import annotations

import heapq

import numpy as np
from numpy.typing import NDArray


def keep_shape(lat: NDArray[np.float64], lon: NDArray[np.float64], max_points: int) -> list[int]:
    """Indexes (ascending) of at most ``max_points`` points: always the first and the last,
    then the turning points, most pronounced first."""
    n = len(lat)
    if n <= max_points:
        return list(range(n))
    # A local plane: a degree of longitude shrinks with the cosine of the latitude.
    x = lon * np.cos(np.radians(float(np.mean(lat))))
    y = lat
    kept = [0, n - 1]
    stretches: list[tuple[float, int, int, int]] = []  # (-distance, farthest, start, end)

    def measure(start: int, end: int) -> None:
        if end - start < 2:
            return
        inner = slice(start + 1, end)
        dx, dy = x[end] - x[start], y[end] - y[start]
        chord = float(np.hypot(dx, dy))
        if chord == 0.0:  # back where it started: distance from that point
            distances = np.hypot(x[inner] - x[start], y[inner] - y[start])
        else:
            distances = np.abs(dy * (x[inner] - x[start]) - dx * (y[inner] - y[start])) / chord
        farthest = int(np.argmax(distances))
        heapq.heappush(stretches, (-float(distances[farthest]), start + 1 + farthest, start, end))

    measure(0, n - 1)
    while len(kept) < max_points and stretches:
        _, farthest, start, end = heapq.heappop(stretches)
        kept.append(farthest)
        measure(start, farthest)
        measure(farthest, end)
    return sorted(kept)
