"""A trail as the map draws it: spots in time order whatever order they arrive in, a spot
seen twice drawn once, and nothing older than the window behind the newest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vtoc.tui.trails import Spot, Trails

START = datetime(2026, 1, 1, tzinfo=UTC)


def spot(minute: int, lat: float) -> Spot:
    return Spot(START + timedelta(minutes=minute), lat, 18.0)


def test_late_spots_take_their_place_and_repeats_are_drawn_once() -> None:
    trails = Trails(timedelta(minutes=30))
    for minute, lat in [(0, 59.0), (10, 59.1), (5, 59.05), (5, 59.05), (5, 59.06), (20, 59.2)]:
        trails.add(1, spot(minute, lat))
    assert [(s.at, s.lat) for s in trails.of(1)] == [
        (START, 59.0),
        (START + timedelta(minutes=5), 59.05),
        (START + timedelta(minutes=5), 59.06),
        (START + timedelta(minutes=10), 59.1),
        (START + timedelta(minutes=20), 59.2),
    ]
    assert trails.places_of(1).tolist() == [[s.lat, s.lon] for s in trails.of(1)]


def test_a_trail_keeps_the_window_behind_its_newest_spot() -> None:
    trails = Trails(timedelta(minutes=30))
    for minute in range(100):  # past the rows first set aside for it, several times
        trails.add(7, spot(minute, 59.0 + minute / 100))
    assert [s.at for s in trails.of(7)] == [
        START + timedelta(minutes=minute) for minute in range(69, 100)
    ]
    trails.add(7, spot(50, 60.0))  # older than the window: gone at once
    assert len(trails.of(7)) == 31
    assert trails.places_of(7)[-1].tolist() == [59.99, 18.0]
    assert trails.of(8) == [] and len(trails.places_of(8)) == 0
