"""Where each asset has been over the last minutes: seeded from its track, grown by
``asset.moved`` events (live) or by a replay's fixes, trimmed to the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import NamedTuple

import numpy as np

from vtoc import schemas as s

#: how far back a trail reaches
TRAIL = timedelta(minutes=30)
#: the places of an asset without a trail
NO_PLACES = np.empty((0, 2), dtype=np.float64)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
#: tells one trail's history from another's, across the process
HISTORIES = count()


class Spot(NamedTuple):
    """A place at a time: a tuple, as a thousand are made each frame (a frozen dataclass
    took four times as long to make)."""

    at: datetime
    lat: float
    lon: float


class Places:
    """One trail as rows of (time, lat, lon) in a numpy array, in time order: a frame hands
    the canvas a view of its (lat, lon), so drawing a thousand trails costs a thousand
    views, not a hundred thousand spots read one by one (nor kept as objects the garbage
    collector walks). Times are microseconds since the epoch, exact in a float64. Rows are
    added at the end (a late spot, rarely, in its place) and trimmed from the front in
    place; when the end is reached the rows move to a new array (twice as long when more
    than half full), so a view taken before stays as it was.

    Each row has a serial, counted from the first ever added, and ``history`` stays the
    same while rows are only added at the end and dropped from the front: the map then
    draws only the rows new since its last frame (a late spot, in the middle, starts a new
    history and the whole trail is drawn again)."""

    def __init__(self, window: timedelta) -> None:
        self.window = window // MICROSECOND
        self.rows = np.empty((16, 3), dtype=np.float64)
        #: the same rows as one flat run of floats, to write a row without numpy's
        #: indexing (a third of an addition's time)
        self.flat = self.rows.data.cast("B").cast("d")
        self.start = self.end = 0
        self.history = next(HISTORIES)
        #: the serial of the first row
        self.first = 0
        #: south, west, north, east of the rows (None: to be read again, after a trim)
        self.extent: tuple[float, float, float, float] | None = None
        #: the first and last rows' times, as Python floats: most spots are the newest,
        #: and then these are all an addition reads
        self.oldest = self.newest = 0.0

    def __len__(self) -> int:
        return self.end - self.start

    def add(self, spot: Spot) -> None:
        """The spot in its place by time, unless it is there already; then whatever has
        fallen out of the window behind the newest is dropped."""
        at = float((spot.at - EPOCH) // MICROSECOND)
        start, end = self.start, self.end
        index = end - start
        if index and at <= self.newest:  # late, or seen already
            times = self.rows[start:end, 0]
            index = int(np.searchsorted(times, at, side="right"))
            same = self.rows[start + int(np.searchsorted(times, at)) : start + index]
            if ((same[:, 1] == spot.lat) & (same[:, 2] == spot.lon)).any():
                return
        if end == len(self.rows):
            kept = self.rows[start:end]
            grown = 2 if 2 * len(kept) > len(self.rows) else 1
            rows = np.empty((len(self.rows) * grown, 3), dtype=np.float64)
            rows[: len(kept)] = kept
            self.rows, self.start, self.end = rows, 0, len(kept)
            self.flat = rows.data.cast("B").cast("d")
            start, end = 0, len(kept)
        row = start + index
        if row < end:
            self.rows[row + 1 : end + 1] = self.rows[row:end].copy()
            self.history = next(HISTORIES)
        lat, lon = spot.lat, spot.lon
        flat, cell = self.flat, 3 * row
        flat[cell], flat[cell + 1], flat[cell + 2] = at, lat, lon
        self.end = end = end + 1
        if self.extent is not None:
            south, west, north, east = self.extent
            if not (south <= lat <= north and west <= lon <= east):
                self.extent = min(south, lat), min(west, lon), max(north, lat), max(east, lon)
        if end - start == 1 or at > self.newest:
            self.newest = at
        if row == start:
            self.oldest = at
        cutoff = self.newest - self.window
        if self.oldest < cutoff:
            # a steady track drops one row a spot: read one time, not search them all
            if self.rows[start + 1, 0] >= cutoff:
                dropped = 1
            else:
                dropped = int(np.searchsorted(self.rows[start:end, 0], cutoff))
            self.start += dropped
            self.first += dropped
            self.extent = None
            self.oldest = float(self.rows[self.start, 0])

    def spots(self) -> list[Spot]:
        return [
            Spot(EPOCH + timedelta(microseconds=int(at)), float(lat), float(lon))
            for at, lat, lon in self.rows[self.start : self.end].tolist()
        ]

    def box(self) -> tuple[float, float, float, float] | None:
        """South, west, north and east of the rows (None without any): the map fits its
        view to a thousand of these instead of reading every row each frame."""
        if self.extent is None and len(self):
            view = self.view()
            (south, west), (north, east) = view.min(axis=0).tolist(), view.max(axis=0).tolist()
            self.extent = south, west, north, east
        return self.extent if len(self) else None

    def view(self) -> np.ndarray:
        """The (lat, lon) rows, oldest first: read at once (a late spot shifts them)."""
        return self.rows[self.start : self.end, 1:]


class Trails:
    """Each asset's spots in time order; a spot older than the newest one by more than
    ``window`` falls off, and a late, older spot is kept in its place."""

    def __init__(self, window: timedelta = TRAIL) -> None:
        self.window = window
        self.places: dict[int, Places] = {}

    def seed(self, asset_id: int, fixes: list[s.Fix]) -> None:
        """The asset's trail from its track (replacing what was there)."""
        places = self.places[asset_id] = Places(self.window)
        for f in fixes:
            places.add(Spot(f.at, f.lat, f.lon))

    def add(self, asset_id: int, spot: Spot) -> None:
        places = self.places.get(asset_id)
        if places is None:
            places = self.places[asset_id] = Places(self.window)
        places.add(spot)

    def drop(self, asset_id: int) -> None:
        self.places.pop(asset_id, None)

    def of(self, asset_id: int) -> list[Spot]:
        places = self.places.get(asset_id)
        return places.spots() if places is not None else []

    def places_of(self, asset_id: int) -> np.ndarray:
        """The trail's (lat, lon) rows, oldest first (a view, for reading at once)."""
        places = self.places.get(asset_id)
        return places.view() if places is not None else NO_PLACES

    def get(self, asset_id: int) -> Places | None:
        return self.places.get(asset_id)

    def clear(self) -> None:
        self.places.clear()


def spot_of(event: s.Event) -> tuple[int, Spot] | None:
    """The asset and its new place from an ``asset.moved`` event; None for any other."""
    if event.kind != s.EventKind.asset_moved or event.entity_id is None:
        return None
    data = event.data
    at = datetime.fromisoformat(str(data["at"]))
    return event.entity_id, Spot(at, float(data["lat"]), float(data["lon"]))
