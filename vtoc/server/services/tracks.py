"""Tracks: an asset's fixes over a time range, thinned to what a map can draw; and old
tracks thinned in the database (one fix a minute after a week) instead of dropped."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypedDict

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import BigInteger, Integer, Table, any_, cast, delete, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from vtoc import schemas as s
from vtoc.schemas.positions import TRACKS_MAX_FIXES
from vtoc.server.db import on_postgres, utcnow
from vtoc.server.errors import InvalidError
from vtoc.server.models import Asset, PositionFix
from vtoc.server.services.assets import assets
from vtoc.server.services.binary_copy import copied, copy_row
from vtoc.server.services.thinning import keep_shape
from vtoc.server.services.track_summaries import Points, summarised

FIXES: Table = PositionFix.__table__  # type: ignore[assignment]
DEFAULT_SPAN = timedelta(hours=24)
#: how far back the trails of ``/tracks`` reach by default (the TUI map's window too)
TRAIL_SPAN = timedelta(minutes=30)
#: ids in one ``IN (…)``: SQLite allows 32,766 bound parameters a statement
IN_CHUNK = 10_000
TRACK_COLUMNS = (
    PositionFix.at,
    PositionFix.lat,
    PositionFix.lon,
    PositionFix.alt,
    PositionFix.course,
    PositionFix.speed,
    PositionFix.accuracy,
    PositionFix.source,
)


class FixOut(TypedDict):
    """A fix as ``s.Fix`` shows it, of JSON's own kinds: a track's answer is built of these
    rather than of pydantic objects (50,000 ``s.Fix`` cost a map's ``/tracks`` a second)."""

    at: datetime
    lat: float
    lon: float
    alt: float | None
    course: float | None
    speed: float | None
    accuracy: float | None
    source: str


class TrackOut(TypedDict):
    """``s.Track``'s shape."""

    asset_id: int
    name: str
    since: datetime
    until: datetime
    total: int
    fixes: list[FixOut]


class TracksOut(TypedDict):
    """``s.Tracks``'s shape."""

    since: datetime
    until: datetime
    more: bool
    tracks: list[TrackOut]


def read_track(
    session: Session, *, ref: int | str, query: s.TrackQuery, now: datetime | None = None
) -> TrackOut:
    """The asset's fixes from ``since`` to ``until`` (both included), in time order; on
    PostgreSQL a long range's whole hours come from their summaries (``track_summaries``)."""
    asset = assets.get(session, ref)
    until = query.until or now or utcnow()
    since = query.since or until - DEFAULT_SPAN
    if since > until:
        raise InvalidError("since", "is after until")
    points = None
    if session.connection().dialect.driver == "psycopg2":
        points = summarised(session, asset.id, since, until, query.max_points)
    if points is None:
        _, ids, lat, lon = track_points(session, [asset.id], since, until)
        points = Points(ids, lat, lon, total=len(ids))
    kept = thinned(points.ids, points.lat, points.lon, query.max_points)
    fixes = whole_fixes(session, kept).get(asset.id, [])
    return TrackOut(
        asset_id=asset.id,
        name=asset.name,
        since=since,
        until=until,
        total=points.total,
        fixes=fixes,
    )


def read_tracks(session: Session, query: s.TracksQuery, now: datetime | None = None) -> TracksOut:
    """The recent tracks of every asset (in the session's scope) with a fix in the range,
    each thinned on its own: what a map draws as trails, in one request."""
    until = query.until or now or utcnow()
    since = query.since or until - TRAIL_SPAN
    if since > until:
        raise InvalidError("since", "is after until")
    if query.max_points * query.limit > TRACKS_MAX_FIXES:
        raise InvalidError("max_points", f"times limit is over {TRACKS_MAX_FIXES}")
    in_range = select(PositionFix.asset_id).where(PositionFix.at.between(since, until))
    moved = (
        select(Asset.id, Asset.name)
        .where(Asset.id.in_(in_range))
        .order_by(Asset.id)
        .limit(query.limit + 1)
    )
    if query.asset is not None:
        moved = moved.where(Asset.id.in_(query.asset))
    rows = session.execute(moved).all()
    more, found = len(rows) > query.limit, rows[: query.limit]
    owners, ids, lat, lon = track_points(session, [asset_id for asset_id, _ in found], since, until)
    starts = np.flatnonzero(np.diff(owners)) + 1  # one asset's points after another's
    totals: dict[int, int] = {}
    kept: list[NDArray[np.int64]] = []
    for part in np.split(np.arange(len(ids)), starts) if len(ids) else []:
        totals[int(owners[part[0]])] = len(part)
        kept.append(thinned(ids[part], lat[part], lon[part], query.max_points))
    fixes = whole_fixes(session, np.concatenate(kept) if kept else np.empty(0, np.int64))
    tracks = [
        TrackOut(
            asset_id=asset_id,
            name=name,
            since=since,
            until=until,
            total=totals.get(asset_id, 0),
            fixes=fixes.get(asset_id, []),
        )
        for asset_id, name in found
    ]
    return TracksOut(since=since, until=until, more=more, tracks=tracks)


def thinned(
    ids: NDArray[np.int64], lat: NDArray[np.float64], lon: NDArray[np.float64], max_points: int
) -> NDArray[np.int64]:
    """The ids of the points kept of a track, at most ``max_points`` keeping its shape."""
    return ids if len(ids) <= max_points else ids[keep_shape(lat, lon, max_points)]


def whole_fixes(session: Session, kept: NDArray[np.int64]) -> dict[int, list[FixOut]]:
    """Whole fixes for the kept points only, by asset, in time order: a day at 1 Hz is 86,400
    rows, and reading each with its time and source took ten times what thinning did. On
    PostgreSQL the ids go as one array (no statement of 10,000 parameters to build)."""
    found: dict[int, list[FixOut]] = {}
    connection = session.connection()  # Core rows: the ids are of assets in scope already
    for wanted in ids_in(session, kept):
        rows = connection.execute(
            select(PositionFix.asset_id, *TRACK_COLUMNS)
            .where(wanted)
            .order_by(PositionFix.asset_id, PositionFix.at, PositionFix.id)
        ).all()  # in one fetch, not a call a row
        for asset_id, at, lat, lon, alt, course, speed, accuracy, source in rows:
            found.setdefault(asset_id, []).append(
                FixOut(
                    at=at,
                    lat=lat,
                    lon=lon,
                    alt=alt,
                    course=course,
                    speed=speed,
                    accuracy=accuracy,
                    source=source,
                )
            )
    return found


def ids_in(session: Session, ids: NDArray[np.int64]) -> list[ColumnElement[bool]]:
    """Conditions that together pick the fixes of ``ids``: on PostgreSQL one array
    parameter, on SQLite ``IN`` lists of at most ``IN_CHUNK`` parameters each."""
    if on_postgres(session):
        return (
            [PositionFix.id == any_(literal(ids.tolist(), ARRAY(BigInteger)))] if len(ids) else []
        )
    return [
        PositionFix.id.in_(ids[start : start + IN_CHUNK].tolist())
        for start in range(0, len(ids), IN_CHUNK)
    ]


def track_points(
    session: Session, asset_ids: list[int], since: datetime, until: datetime
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The asset ids, ids, latitudes and longitudes of the assets' fixes from ``since`` to
    ``until``, by asset then in (at, id) order: what thinning needs, as arrays, in one
    statement however many assets (a map's trails are hundreds)."""
    connection = session.connection()
    if connection.dialect.driver == "psycopg2":
        return track_points_copied(connection, asset_ids, since, until)
    points = session.execute(
        select(PositionFix.asset_id, PositionFix.id, PositionFix.lat, PositionFix.lon)
        .where(PositionFix.asset_id.in_(asset_ids), PositionFix.at.between(since, until))
        .order_by(PositionFix.asset_id, PositionFix.at, PositionFix.id)
    ).all()
    return (
        np.fromiter((p.asset_id for p in points), dtype=np.int64, count=len(points)),
        np.fromiter((p.id for p in points), dtype=np.int64, count=len(points)),
        np.fromiter((p.lat for p in points), dtype=np.float64, count=len(points)),
        np.fromiter((p.lon for p in points), dtype=np.float64, count=len(points)),
    )


#: one asset's points need not name it: 38 bytes a row rather than 50, a quarter less for
#: PostgreSQL to write and psycopg2 to hand over
POINT = (("id", ">i8"), ("lat", ">f8"), ("lon", ">f8"))
ONE_ASSET = copy_row(*POINT)
MANY_ASSETS = copy_row(("asset_id", ">i8"), *POINT)
TRACK_COPY = (
    "SELECT {} FROM position_fixes"
    " WHERE asset_id = ANY(%s) AND at BETWEEN %s AND %s"
    " ORDER BY asset_id, at, id"
)


def track_points_copied(
    connection: Connection, asset_ids: list[int], since: datetime, until: datetime
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """PostgreSQL's binary COPY read straight into numpy: a day at 1 Hz as 86,400 Python
    row tuples cost psycopg2 most of a GET's time (the index ``ix_fix_track`` hands the
    rows over in order)."""
    row = ONE_ASSET if len(asset_ids) == 1 else MANY_ASSETS
    query = TRACK_COPY.format(
        "asset_id::int8, id, lat, lon" if row is MANY_ASSETS else "id, lat, lon"
    )
    rows = copied(connection, query, (asset_ids, since, until), row)
    ids = rows["id"].astype(np.int64)
    return (
        rows["asset_id"].astype(np.int64)
        if row is MANY_ASSETS
        else np.full(len(ids), asset_ids[0]),
        ids,
        rows["lat"].astype(np.float64),
        rows["lon"].astype(np.float64),
    )


def thin_old_fixes(
    session: Session, *, before: datetime, keep_every: timedelta, after: datetime | None = None
) -> int:
    """Keep only each asset's first fix per ``keep_every`` among the fixes taken before
    ``before`` (and after ``after``, when the range before it is thinned already); returns
    how many were deleted. The caller commits."""
    seconds = max(1, int(keep_every.total_seconds()))
    in_range = FIXES.c.at < before
    if after is not None:
        in_range &= FIXES.c.at >= after
    ranked = (
        select(
            FIXES.c.id,
            func.row_number()
            .over(
                partition_by=(FIXES.c.asset_id, bucket(session, seconds)),
                order_by=(FIXES.c.at, FIXES.c.id),
            )
            .label("n"),
        )
        .where(in_range)
        .subquery()
    )
    extra = select(ranked.c.id).where(ranked.c.n > 1)
    result = session.execute(delete(FIXES).where(FIXES.c.id.in_(extra)))
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


def bucket(session: Session, seconds: int) -> ColumnElement[Any]:
    """The number of the ``seconds``-long slot a fix's time falls in (whole seconds since
    1970: SQLite keeps times as text, PostgreSQL as timestamps)."""
    if on_postgres(session):
        return func.floor(func.extract("epoch", FIXES.c.at) / seconds)
    return cast(func.strftime("%s", FIXES.c.at), Integer).op("/")(seconds)  # whole slots
