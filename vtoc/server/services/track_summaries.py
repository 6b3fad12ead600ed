"""A long track read by the hour (PostgreSQL): each whole hour of the range from its
summary, the ends whole.

An hour's summary is its points in the order thinning takes them (``shape_order``: the
first and the last, then the turns, most pronounced first), at most ``SUMMARY_POINTS``,
with the hour's count of fixes. The first read of an hour builds it; later reads take it
while ``track_hours.generation`` is still the one it was built at (the triggers of
migration 0017 bump it in the statement that adds, changes or deletes a fix of the hour:
a batch, a late fix, the thinning of old tracks). A read takes the first ``max_points``
points of each whole hour's summary, every fix of the partial hours at its ends, and
thins them together: a day at 1 Hz to 500 points is ~15,000 candidates (23 hours' 500 and
the ends' 3,600 fixes) instead of 86,400 fixes read and measured.

What comes back keeps the first and the last fix and the turns, in time order, at most
``max_points`` of them, and ``total`` is exact (from the hours' counts); when the range
has ``max_points`` fixes or fewer, they all come back, as before. It is not bit-equal to
thinning every fix: a stretch's farthest point is measured among the candidates only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Table, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vtoc.server.models import TrackSummary
from vtoc.server.services.binary_copy import copied, copy_row
from vtoc.server.services.thinning import shape_order

SUMMARIES: Table = TrackSummary.__table__  # type: ignore[assignment]
#: the most points an hour's summary keeps: a read of more points than this reads its
#: fixes whole (the API allows up to 10,000)
SUMMARY_POINTS = 1000
HOUR = timedelta(hours=1)
#: a summary's point: the fix's id, where it was, and its place in the hour's time order
SUMMARY_POINT = np.dtype([("id", "<i8"), ("lat", "<f8"), ("lon", "<f8"), ("seq", "<i4")])
#: a fix as COPY hands it over; ``at`` in microseconds since PostgreSQL's epoch
HOUR_POINT = copy_row(("id", ">i8"), ("at", ">i8"), ("lat", ">f8"), ("lon", ">f8"))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
POINTS = "SELECT id, at, lat, lon FROM position_fixes WHERE asset_id = %s AND at >= %s AND at {} %s"
#: the partial hours at both ends of a range, in one round trip
ENDS = f"{POINTS.format('<')} UNION ALL {POINTS.format('<=')} ORDER BY at, id"
# One statement, so each hour's generation and summary are read as of the same moment.
HOURS = text("""
SELECT h.hour, h.generation, s.generation AS built, s.total,
       substring(s.points FROM 1 FOR :size) AS points
FROM track_hours AS h
LEFT JOIN track_summaries AS s ON s.asset_id = h.asset_id AND s.hour = h.hour
WHERE h.asset_id = :asset_id AND h.hour >= :first AND h.hour < :end
ORDER BY h.hour
""")


class Points(NamedTuple):
    """A track's points to thin, in time order, and how many fixes the range has."""

    ids: NDArray[np.int64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    total: int


class Summary(NamedTuple):
    """An hour's count of fixes and its points in thinning order (all, or a prefix)."""

    total: int
    points: NDArray[np.void]  # SUMMARY_POINTs in thinning order


def summarised(
    session: Session, asset_id: int, since: datetime, until: datetime, max_points: int
) -> Points | None:
    """The points to thin for ``max_points`` of the asset's track from ``since`` to ``until``
    (both included), its whole hours from their summaries; None when the range has no whole
    hour or ``max_points`` is more than a summary keeps (the caller reads every fix)."""
    hours = whole_hours(since, until)
    if hours is None or max_points > SUMMARY_POINTS:
        return None
    first, end = hours
    connection = session.connection()
    found = current_summaries(connection, asset_id, first, end, max_points)
    stale = {hour: generation for hour, generation in found.items() if isinstance(generation, int)}
    found |= build_summaries(session, asset_id, stale)
    summaries = [summary for summary in found.values() if isinstance(summary, Summary)]
    ends = copied(connection, ENDS, (asset_id, since, first, asset_id, end, until), HOUR_POINT)
    head, tail = np.split(ends, [np.searchsorted(ends["at"], pg_micros(first))])
    pieces = [head, *(in_time_order(s.points[:max_points]) for s in summaries), tail]
    return Points(
        np.concatenate([p["id"] for p in pieces]).astype(np.int64),
        np.concatenate([p["lat"] for p in pieces]).astype(np.float64),
        np.concatenate([p["lon"] for p in pieces]).astype(np.float64),
        len(ends) + sum(s.total for s in summaries),
    )


def whole_hours(since: datetime, until: datetime) -> tuple[datetime, datetime] | None:
    """The first whole hour (UTC) from ``since`` on and the end of the last that ends by
    ``until``; None when no hour fits."""
    first = EPOCH - HOUR * ((EPOCH - since) // HOUR)  # in whole microseconds: exact
    end = EPOCH + HOUR * ((until - EPOCH) // HOUR)
    return (first, end) if first < end else None


def current_summaries(
    connection: Connection, asset_id: int, first: datetime, end: datetime, max_points: int
) -> dict[datetime, Summary | int]:
    """Each hour with fixes from ``first`` to ``end``: its summary (its first ``max_points``
    points only) when it is current, else the hour's generation to build one at."""
    rows = connection.execute(
        HOURS,
        {
            "asset_id": asset_id,
            "first": first,
            "end": end,
            "size": max_points * SUMMARY_POINT.itemsize,
        },
    ).all()
    return {
        row.hour: (
            Summary(row.total, np.frombuffer(row.points, SUMMARY_POINT))
            if row.built == row.generation
            else row.generation
        )
        for row in rows
    }


def build_summaries(
    session: Session, asset_id: int, generations: dict[datetime, int]
) -> dict[datetime, Summary | int]:
    """Summaries of the hours ``generations`` names, from their fixes, stored at those
    generations: fixes committed after a generation was read may be in the summary, but
    then a newer generation is committed too, and the summary is never taken."""
    built: dict[datetime, Summary] = {}
    for start, end in runs(sorted(generations)):
        fixes = points_between(session.connection(), asset_id, start, end)
        bounds = np.searchsorted(
            fixes["at"], [pg_micros(start + HOUR * i) for i in range((end - start) // HOUR + 1)]
        )
        for i in range(len(bounds) - 1):
            hour = start + HOUR * i
            if hour in generations:
                built[hour] = summary_of(fixes[bounds[i] : bounds[i + 1]])
    store(session, asset_id, {hour: (generations[hour], s) for hour, s in built.items()})
    return dict(built)


def runs(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Consecutive hours as (start, end) ranges: one read of fixes each."""
    found: list[tuple[datetime, datetime]] = []
    for hour in hours:
        if found and found[-1][1] == hour:
            found[-1] = (found[-1][0], hour + HOUR)
        else:
            found.append((hour, hour + HOUR))
    return found


def summary_of(fixes: NDArray[np.void]) -> Summary:
    """An hour's fixes (in time order) to its summary."""
    lat, lon = fixes["lat"].astype(float), fixes["lon"].astype(float)
    order = np.array(shape_order(lat, lon, SUMMARY_POINTS), dtype=np.int64)
    points = np.empty(len(order), SUMMARY_POINT)
    points["id"], points["lat"], points["lon"] = fixes["id"][order], lat[order], lon[order]
    points["seq"] = order
    return Summary(len(fixes), points)


def store(session: Session, asset_id: int, summaries: dict[datetime, tuple[int, Summary]]) -> None:
    """Keep the summaries, unless a newer one is kept already. A summary is only a shortcut:
    if the asset was deleted meanwhile, there is nothing to keep and nothing fails."""
    if not summaries:
        return
    rows = [
        {
            "asset_id": asset_id,
            "hour": hour,
            "generation": generation,
            "total": summary.total,
            "points": summary.points.tobytes(),
        }
        for hour, (generation, summary) in summaries.items()
    ]
    statement = insert(SUMMARIES)
    statement = statement.on_conflict_do_update(
        index_elements=[SUMMARIES.c.asset_id, SUMMARIES.c.hour],
        set_={name: statement.excluded[name] for name in ("generation", "total", "points")},
        where=SUMMARIES.c.generation < statement.excluded.generation,
    )
    try:
        if session.connection().connection.dbapi_connection.autocommit:  # type: ignore[union-attr]
            session.execute(statement, rows)  # a read's connection: its own transaction
        else:
            with session.begin_nested():
                session.execute(statement, rows)
    except IntegrityError:
        pass


def points_between(
    connection: Connection, asset_id: int, start: datetime, end: datetime
) -> NDArray[np.void]:
    """The asset's fixes from ``start`` (included) to ``end`` (not) as ``HOUR_POINT``s, in
    time order."""
    query = f"{POINTS.format('<')} ORDER BY at, id"
    return copied(connection, query, (asset_id, start, end), HOUR_POINT)


def in_time_order(points: NDArray[np.void]) -> NDArray[np.void]:
    return points[np.argsort(points["seq"], kind="stable")]


def pg_micros(moment: datetime) -> int:
    """``moment`` as COPY writes a ``timestamptz``."""
    return (moment - PG_EPOCH) // MICROSECOND
