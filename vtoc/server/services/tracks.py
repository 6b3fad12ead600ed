"""Tracks: an asset's fixes over a time range, thinned to what a map can draw; and old
tracks thinned in the database (one fix a minute after a week) instead of dropped."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Integer, Table, cast, delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from vtoc import schemas as s
from vtoc.server.db import on_postgres, utcnow
from vtoc.server.errors import InvalidError
from vtoc.server.models import PositionFix
from vtoc.server.services.assets import assets
from vtoc.server.services.thinning import keep_shape

FIXES: Table = PositionFix.__table__  # type: ignore[assignment]
DEFAULT_SPAN = timedelta(hours=24)
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
    rows = session.execute(
        select(*TRACK_COLUMNS)
        .where(PositionFix.asset_id == asset.id, PositionFix.at.between(since, until))
        .order_by(PositionFix.at, PositionFix.id)
    ).all()
    if len(rows) > query.max_points:
        lat = np.fromiter((r.lat for r in rows), dtype=np.float64, count=len(rows))
        lon = np.fromiter((r.lon for r in rows), dtype=np.float64, count=len(rows))
        kept = [rows[i] for i in keep_shape(lat, lon, query.max_points)]
    else:
        kept = list(rows)
    return s.Track(
        asset_id=asset.id,
        name=asset.name,
        since=since,
        until=until,
        total=len(rows),
        fixes=[s.Fix.model_validate(row._mapping) for row in kept],
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
