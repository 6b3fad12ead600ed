"""Thinning a track: the plain-Python measure of short stretches and numpy's of long ones
must pick the same points, so where the line between them lies changes no track."""

from __future__ import annotations

import numpy as np
import pytest

from vtoc.server.services import thinning
from vtoc.server.services.thinning import farthest_long, farthest_short, keep_shape, shape_order


def walks() -> list[tuple[np.ndarray, np.ndarray]]:
    """Random walks, a circle, coordinates rounded to 1e-3 (many equal distances) and a
    line walked back and forth (stretches that come back where they started)."""
    rng = np.random.default_rng(7)
    t = np.arange(700, dtype=np.float64)
    tracks = [
        (59 + rng.normal(0, 1e-3, 700).cumsum(), 18 + rng.normal(0, 1e-3, 700).cumsum())
        for _ in range(5)
    ]
    tracks.append((59 + 0.01 * np.sin(t / 40), 18 + 0.02 * np.cos(t / 40)))
    tracks.append((np.round(tracks[0][0], 3), np.round(tracks[0][1], 3)))
    tracks.append((59 + (t % 7) * 1e-4, np.full(700, 18.0)))
    return tracks


@pytest.mark.parametrize("length", [3, 4, 17, 41, 200])
def test_a_stretch_is_measured_alike_in_python_and_in_numpy(length: int) -> None:
    work = np.empty((2, 700))
    for lat, lon in walks():
        x, y = lon[:length], lat[:length]
        assert farthest_short(x.tolist(), y.tolist()) == farthest_long(x, y, work)


def test_the_kept_points_do_not_depend_on_where_numpy_takes_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mixed = [keep_shape(lat, lon, m) for lat, lon in walks() for m in (2, 10, 100, 400)]
    monkeypatch.setattr(thinning, "SHORT_STRETCH", 1)  # every stretch through numpy
    assert [keep_shape(lat, lon, m) for lat, lon in walks() for m in (2, 10, 100, 400)] == mixed
    monkeypatch.setattr(thinning, "SHORT_STRETCH", 10_000)  # every stretch in Python
    assert [keep_shape(lat, lon, m) for lat, lon in walks() for m in (2, 10, 100, 400)] == mixed


def test_first_last_and_the_corners_are_kept_in_order() -> None:
    # three legs of 100 points: east, north, east again
    lat = np.concatenate([np.full(100, 59.0), 59.0 + np.arange(100) * 1e-3, np.full(100, 59.1)])
    lon = np.concatenate(
        [18.0 + np.arange(100) * 1e-3, np.full(100, 18.1), 18.1 + np.arange(100) * 1e-3]
    )
    assert keep_shape(lat, lon, 4) == [0, 100, 200, 299]  # the corners
    assert keep_shape(lat, lon, 1000) == list(range(300))


def test_every_prefix_of_the_order_is_the_track_thinned_to_that_many() -> None:
    """What an hour's summary relies on: it keeps the order once, and a read takes any
    number of its first points."""
    for lat, lon in walks():
        order = shape_order(lat, lon, 400)
        assert order[:2] == [0, len(lat) - 1] and len(set(order)) == 400
        for m in (2, 3, 10, 100, 400):
            assert sorted(order[:m]) == keep_shape(lat, lon, m)
    assert sorted(shape_order(lat, lon, 10_000)) == list(range(len(lat)))
