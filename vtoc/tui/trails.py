"""Where each asset has been over the last minutes: seeded from its track, grown by
``asset.moved`` events (live) or by a replay's fixes, trimmed to the window."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from vtoc import schemas as s

#: how far back a trail reaches
TRAIL = timedelta(minutes=30)


@dataclass(frozen=True)
class Spot:
    at: datetime
    lat: float
    lon: float


class Trails:
    """Each asset's spots in time order; a spot older than the newest one by more than
    ``window`` falls off, and a late, older spot is kept in its place. Beside the spots,
    their (lat, lon) as the map draws them, kept in step: a thousand assets' trails are a
    hundred thousand spots, too many to turn into coordinates again each frame."""

    def __init__(self, window: timedelta = TRAIL) -> None:
        self.window = window
        self.spots: dict[int, deque[Spot]] = {}
        self.places: dict[int, deque[tuple[float, float]]] = {}

    def seed(self, asset_id: int, fixes: list[s.Fix]) -> None:
        """The asset's trail from its track (replacing what was there)."""
        self.spots[asset_id] = deque(Spot(f.at, f.lat, f.lon) for f in fixes)
        self.places[asset_id] = deque((f.lat, f.lon) for f in fixes)
        self.trim(asset_id)

    def add(self, asset_id: int, spot: Spot) -> None:
        trail = self.spots.setdefault(asset_id, deque())
        places = self.places.setdefault(asset_id, deque())
        index = len(trail)
        while index and trail[index - 1].at > spot.at:
            index -= 1
        same_time = index
        while same_time and trail[same_time - 1].at == spot.at:  # a spot seen already?
            if trail[same_time - 1] == spot:
                return
            same_time -= 1
        trail.insert(index, spot)
        places.insert(index, (spot.lat, spot.lon))
        self.trim(asset_id)

    def trim(self, asset_id: int) -> None:
        trail, places = self.spots[asset_id], self.places[asset_id]
        while trail and trail[0].at < trail[-1].at - self.window:
            trail.popleft()
            places.popleft()

    def drop(self, asset_id: int) -> None:
        self.spots.pop(asset_id, None)
        self.places.pop(asset_id, None)

    def of(self, asset_id: int) -> list[Spot]:
        return list(self.spots.get(asset_id, ()))

    def places_of(self, asset_id: int) -> Sequence[tuple[float, float]]:
        """The trail's (lat, lon), oldest first: the live deque, for reading at once."""
        return self.places.get(asset_id, ())

    def clear(self) -> None:
        self.spots.clear()
        self.places.clear()


def spot_of(event: s.Event) -> tuple[int, Spot] | None:
    """The asset and its new place from an ``asset.moved`` event; None for any other."""
    if event.kind != s.EventKind.asset_moved or event.entity_id is None:
        return None
    data = event.data
    at = datetime.fromisoformat(str(data["at"]))
    return event.entity_id, Spot(at, float(data["lat"]), float(data["lon"]))
