"""Tracks: an asset's fixes over a time range, thinned to what a map can draw; and old
tracks thinned in the database (one fix a minute after a week) instead of dropped."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Integer, Table, cast, delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from vtoc import schemas as s
from vtoc.schemas.positions import TRACKS_MAX_FIXES
from vtoc.server.db import on_postgres, utcnow
from vtoc.server.errors import InvalidError
from vtoc.server.models import Asset, PositionFix
from vtoc.server.services.assets import assets
from vtoc.server.services.thinning import keep_shape

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


def read_track(
    session: Session, *, ref: int | str, query: s.TrackQuery, now: datetime | None = None
) -> s.Track:
    """The asset's fixes from ``since`` to ``until`` (both included), in time order."""
    asset = assets.get(session, ref)
    until = query.until or now or utcnow()
    since = query.since or until - DEFAULT_SPAN
    if since > until:
        raise InvalidError("since", "is after until")
    ids, lat, lon = track_points(session, asset.id, since, until)
    fixes = whole_fixes(session, thinned(ids, lat, lon, query.max_points)).get(asset.id, [])
    return s.Track(
        asset_id=asset.id, name=asset.name, since=since, until=until, total=len(ids), fixes=fixes
    )


def read_tracks(session: Session, query: s.TracksQuery, now: datetime | None = None) -> s.Tracks:
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
    found = session.execute(moved).all()
    totals: dict[int, int] = {}
    kept: list[NDArray[np.int64]] = []
    for asset_id, _ in found[: query.limit]:
        ids, lat, lon = track_points(session, asset_id, since, until)
        totals[asset_id] = len(ids)
        kept.append(thinned(ids, lat, lon, query.max_points))
    fixes = whole_fixes(session, np.concatenate(kept) if kept else np.empty(0, np.int64))
    tracks = [
        s.Track(
            asset_id=asset_id,
            name=name,
            since=since,
            until=until,
            total=totals[asset_id],
            fixes=fixes.get(asset_id, []),
        )
        for asset_id, name in found[: query.limit]
    ]
    return s.Tracks(since=since, until=until, more=len(found) > query.limit, tracks=tracks)


def thinned(
    ids: NDArray[np.int64], lat: NDArray[np.float64], lon: NDArray[np.float64], max_points: int
) -> NDArray[np.int64]:
    """The ids of the points kept of a track, at most ``max_points`` keeping its shape."""
    return ids if len(ids) <= max_points else ids[keep_shape(lat, lon, max_points)]


def whole_fixes(session: Session, kept: NDArray[np.int64]) -> dict[int, list[s.Fix]]:
    """Whole fixes for the kept points only, by asset, in time order: a day at 1 Hz is 86,400
    rows, and reading each with its time and source took ten times what thinning did."""
    found: dict[int, list[s.Fix]] = {}
    for start in range(0, len(kept), IN_CHUNK):
        rows = session.execute(
            select(PositionFix.asset_id, *TRACK_COLUMNS)
            .where(PositionFix.id.in_(kept[start : start + IN_CHUNK].tolist()))
            .order_by(PositionFix.asset_id, PositionFix.at, PositionFix.id)
        ).all()
        for row in rows:
            found.setdefault(row.asset_id, []).append(s.Fix.model_validate(row._mapping))
    return found


def track_points(
    session: Session, asset_id: int, since: datetime, until: datetime
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The ids, latitudes and longitudes of the asset's fixes from ``since`` to ``until``
    in (at, id) order: what thinning needs, as arrays."""
    connection = session.connection()
    if connection.dialect.driver == "psycopg2":
        return track_points_copied(connection, asset_id, since, until)
    points = session.execute(
        select(PositionFix.id, PositionFix.lat, PositionFix.lon)
        .where(PositionFix.asset_id == asset_id, PositionFix.at.between(since, until))
        .order_by(PositionFix.at, PositionFix.id)
    ).all()
    return (
        np.fromiter((p.id for p in points), dtype=np.int64, count=len(points)),
        np.fromiter((p.lat for p in points), dtype=np.float64, count=len(points)),
        np.fromiter((p.lon for p in points), dtype=np.float64, count=len(points)),
    )


#: COPY's binary format, the header (signature, flags, extension length) and a row of three
#: non-null 8-byte fields: field count, then each field's length and big-endian value
COPY_HEADER = 19
COPY_TRAILER = 2
COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("id_size", ">i4"),
        ("id", ">i8"),
        ("lat_size", ">i4"),
        ("lat", ">f8"),
        ("lon_size", ">i4"),
        ("lon", ">f8"),
    ]
)
TRACK_COPY = (
    "COPY (SELECT id, lat, lon FROM position_fixes WHERE asset_id = %s AND at BETWEEN %s AND %s"
    " ORDER BY at, id) TO STDOUT WITH (FORMAT binary)"
)


def track_points_copied(
    connection: Connection, asset_id: int, since: datetime, until: datetime
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """PostgreSQL's binary COPY read straight into numpy: a day at 1 Hz as 86,400 Python
    row tuples cost psycopg2 most of a GET's time, and binary rows of fixed width need no
    parsing at all (the index ``ix_fix_track`` hands them over in order, without a sort)."""
    buffer = io.BytesIO()
    cursor: Any = connection.connection.cursor()  # psycopg2's, which has copy_expert
    try:
        cursor.copy_expert(cursor.mogrify(TRACK_COPY, (asset_id, since, until)), buffer)
    finally:
        cursor.close()
    data = buffer.getbuffer()
    rows = np.frombuffer(data[COPY_HEADER : len(data) - COPY_TRAILER], dtype=COPY_ROW)
    return (
        rows["id"].astype(np.int64),
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
