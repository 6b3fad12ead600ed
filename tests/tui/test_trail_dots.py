"""The trails' dots kept from frame to frame: after any moves, late spots, spots falling
out of the window, trails added or dropped and changes of view, a frame shows what a map
drawn from nothing shows."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np

from vtoc.tui.trails import Spot, Trails
from vtoc.tui.widgets.braille import Bounds
from vtoc.tui.widgets.trail_dots import Trail, TrailDots

START = datetime(2026, 1, 1, tzinfo=UTC)
WIDTH, HEIGHT = 30, 10


def drawn(dots: TrailDots, trails: Trails, ids: list[int], bounds: Bounds) -> list[list[int]]:
    lines = [Trail(rows, f"style{i}") for i in ids if (rows := trails.get(i)) is not None]
    bits, owner = dots.cells(lines, bounds, WIDTH, HEIGHT)
    return [bits.tolist(), owner.tolist()]


def test_a_frame_shows_what_a_fresh_map_shows() -> None:
    rng = random.Random(7)
    trails = Trails(timedelta(minutes=10))
    ids = list(range(12))
    place = {i: (rng.uniform(59.0, 60.0), rng.uniform(18.0, 19.0)) for i in ids}
    bounds = Bounds(59.0, 60.0, 18.0, 19.0)
    kept = TrailDots()
    for minute in range(60):
        for i in ids:
            lat, lon = place[i]
            place[i] = (lat + rng.uniform(-0.03, 0.03), lon + rng.uniform(-0.03, 0.03))
            late = rng.random() < 0.03  # now and then a spot from the past, in the middle
            at = START + timedelta(minutes=minute - (rng.randint(1, 5) if late else 0))
            trails.add(i, Spot(at, *place[i]))
        if minute % 7 == 3:  # the view moves
            bounds = Bounds(bounds.south + 0.01, bounds.north, bounds.west, bounds.east + 0.02)
        if minute == 20:
            ids.remove(5)  # an asset gone from the map
        if minute == 30:
            ids.append(5)
        if minute == 40:  # an hour on: its trail is its newest spot
            trails.add(3, Spot(START + timedelta(minutes=100), *place[3]))
        assert drawn(kept, trails, ids, bounds) == drawn(TrailDots(), trails, ids, bounds)
        # and every trail's newest line is there: a moved asset is drawn where it went
        bits, _ = kept.cells(
            [Trail(rows, "s") for i in ids if (rows := trails.get(i)) is not None],
            bounds,
            WIDTH,
            HEIGHT,
        )
        for i in ids:
            lat, lon = place[i]
            col = int((lon - bounds.west) / (bounds.east - bounds.west) * WIDTH)
            row = int((bounds.north - lat) / (bounds.north - bounds.south) * HEIGHT)
            newest = trails.places_of(i)[-1].tolist() == [lat, lon]
            if newest and 0 <= col < WIDTH and 0 <= row < HEIGHT:
                assert bits[row * WIDTH + col], (minute, i)


def test_a_lone_spot_is_a_dot_and_far_jumps_are_not_lines() -> None:
    trails = Trails()
    trails.add(1, Spot(START, 59.5, 18.5))
    bounds = Bounds(59.0, 60.0, 18.0, 19.0)
    bits, owner = TrailDots().cells([Trail(trails.get(1), "s")], bounds, WIDTH, HEIGHT)  # type: ignore[arg-type]
    assert np.count_nonzero(bits) == 1 and owner.max() == 0
    trails.add(1, Spot(START + timedelta(minutes=1), 10.0, 100.0))  # far away
    bits, _ = TrailDots().cells([Trail(trails.get(1), "s")], bounds, WIDTH, HEIGHT)  # type: ignore[arg-type]
    assert np.count_nonzero(bits) == 0
