"""Position fixes: batches into tracks, and each asset following its newest fix.

A batch is validated fix by fix (one bad fix never drops the good ones), stored with one
statement that skips the (asset, time, source) keys already stored (a retried batch stores
nothing twice), then each asset's row moves to its newest fix, if that is newer than where
it is: a late, older fix joins the track and moves nothing. ``asset.moved`` is recorded at
most once a second per asset; a move within the second waits (``move_pending``) and
``flush_moves`` announces it when the second is over.

Longer than most modules: a batch's validation, storing, moving and the once-a-second
announcement share one batch's state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

import orjson
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.db import again_after_lost_race, on_postgres, utcnow
from vtoc.server.errors import InvalidError, TooLargeError
from vtoc.server.models import Asset, PositionFix
from vtoc.server.services.assets import assets
from vtoc.validation import field_name, message

FIXES = cast(Table, PositionFix.__table__)
ASSETS = cast(Table, Asset.__table__)
ONE_FIX: TypeAdapter[s.FixIn] = TypeAdapter(s.FixIn)
ALL_FIXES: TypeAdapter[list[s.FixIn]] = TypeAdapter(list[s.FixIn])
#: a fix this far ahead of the server's clock is refused (a receiver's bad clock)
MAX_AHEAD = timedelta(minutes=5)
#: at most one ``asset.moved`` per asset in this long
MOVED_EVERY = timedelta(seconds=1)
FIX_COLUMNS = ("asset_id", "at", "lat", "lon", "alt", "course", "speed", "accuracy", "source")

# One statement for the whole batch on PostgreSQL: each column as an array literal (cheap
# to build and to parse, unlike a multi-row VALUES), keys already stored skipped.
INSERT_UNNESTED = text("""
INSERT INTO position_fixes (asset_id, at, lat, lon, alt, course, speed, accuracy, source,
                            received_at)
SELECT f.*, CAST(:now AS timestamptz) FROM unnest(
    CAST(:asset_id AS bigint[]), CAST(:at AS timestamptz[]), CAST(:lat AS float8[]),
    CAST(:lon AS float8[]), CAST(:alt AS float8[]), CAST(:course AS float8[]),
    CAST(:speed AS float8[]), CAST(:accuracy AS float8[]), CAST(:source AS text[])
) AS f
ON CONFLICT (asset_id, at, source) DO NOTHING
""")

# The moved assets in one statement on PostgreSQL, not one UPDATE each (psycopg2's
# executemany is a round trip a row: a batch of 100 assets' fixes spent more on those
# than on storing its 5,000 fixes).
MOVE_UNNESTED = text("""
UPDATE assets AS a SET lat = m.lat, lon = m.lon, position_at = m.position_at,
    last_seen_at = m.last_seen_at, status = m.status, moved_event_at = m.moved_event_at,
    move_pending = m.move_pending
FROM unnest(
    CAST(:id AS bigint[]), CAST(:lat AS float8[]), CAST(:lon AS float8[]),
    CAST(:position_at AS timestamptz[]), CAST(:last_seen_at AS timestamptz[]),
    CAST(:status AS text[]), CAST(:moved_event_at AS timestamptz[]),
    CAST(:move_pending AS boolean[])
) AS m(id, lat, lon, position_at, last_seen_at, status, moved_event_at, move_pending)
WHERE a.id = m.id
""")


@dataclass(slots=True)
class Placed:
    """A valid fix of the batch, with its index and the asset it resolved to. Not frozen:
    a batch makes two of these a fix, and a frozen one costs 2.5 times as much to make."""

    index: int
    fix: s.FixIn
    asset_id: int = 0


def store_positions(
    session: Session,
    *,
    actor: str,
    body: bytes,
    create_assets: bool = False,
    max_batch: int = 5000,
) -> s.PositionResult:
    """Store a batch (a JSON array of fixes); the caller commits.

    A concurrent batch that registers an asset this one also registers makes this one run
    again from the start (its look-up then finds the asset)."""
    items = decode(body)
    if len(items) > max_batch:
        raise TooLargeError(f"the batch has {len(items)} fixes; at most {max_batch} at once")
    run = partial(store_batch, session, actor=actor, items=items, create_assets=create_assets)
    return again_after_lost_race(session, run)


def decode(body: bytes) -> list[Any]:
    """The batch; JSON with NaN or Infinity (what Python's ``json`` writes) is read too, so
    such a fix is refused on its own rather than with its whole batch."""
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        try:
            items = json.loads(body)
        except ValueError:
            raise InvalidError("body", f"not valid JSON: {exc}") from None
    if not isinstance(items, list):
        raise InvalidError("body", "expected a JSON array of fixes")
    return items


def store_batch(
    session: Session,
    *,
    actor: str,
    items: list[Any],
    create_assets: bool,
    now: datetime | None = None,
) -> s.PositionResult:
    now = now or utcnow()
    result = s.PositionResult()
    placed = [p for p in validate(items, result) if in_time(p, now, result)]
    placed = resolve_assets(session, actor, placed, create_assets, result)
    if placed:
        result.stored = insert_fixes(session, placed, now)
        result.duplicates = len(placed) - result.stored
        move_assets(session, actor, newest_of_each(placed), now)
    result.rejected.sort(key=lambda r: r.index)
    return result


def validate(items: list[Any], result: s.PositionResult) -> list[Placed]:
    """Every valid fix; the invalid ones into ``result.rejected``. The whole batch is
    validated at once (fast) unless some fix is bad; then fix by fix."""
    try:
        return [Placed(i, fix) for i, fix in enumerate(ALL_FIXES.validate_python(items))]
    except ValidationError:
        pass
    placed = []
    for index, item in enumerate(items):
        try:
            placed.append(Placed(index, ONE_FIX.validate_python(item)))
        except ValidationError as exc:
            reject(result, index, describe(exc))
    return placed


def describe(exc: ValidationError) -> str:
    """``lat: must be 90 or less``: the field, then the reason (``vtoc.validation``)."""
    return "; ".join(f"{field_name(e['loc']) or 'fix'}: {message(e)}" for e in exc.errors())


def reject(result: s.PositionResult, index: int, error: str) -> None:
    result.rejected.append(s.IngestRejected(index=index, error=error))


def in_time(placed: Placed, now: datetime, result: s.PositionResult) -> bool:
    if placed.fix.at <= now + MAX_AHEAD:
        return True
    reject(result, placed.index, f"at: {placed.fix.at.isoformat()} is in the future")
    return False


def resolve_assets(
    session: Session,
    actor: str,
    placed: list[Placed],
    create_assets: bool,
    result: s.PositionResult,
) -> list[Placed]:
    """The fixes whose asset exists (or, with ``create_assets``, now does), with its id.

    New assets commit at once, in name order, like ingest's new agents: a concurrent batch
    naming the same aircraft waits for the name only that long, and never in a circle."""
    ids = {a for a in (p.fix.asset for p in placed) if isinstance(a, int)}
    known_ids = dict(found(session, Asset.id, Asset.id, ids))
    names = {a for a in (p.fix.asset for p in placed) if isinstance(a, str)}
    by_name = dict(found(session, Asset.name, Asset.id, names))
    missing = sorted(names - by_name.keys())
    if create_assets and missing:
        first = {p.fix.asset: p.fix for p in reversed(placed)}
        for name in missing:
            fix = first[name]
            data = s.AssetCreate(
                name=name, kind=fix.kind or s.AssetKind.other, callsign=fix.callsign
            )
            by_name[name] = assets.create(session, actor=actor, data=data).id
        result.assets_created = len(missing)
        session.commit()
    resolved = []
    for p in placed:
        asset = p.fix.asset
        asset_id = by_name.get(asset) if isinstance(asset, str) else asset
        if asset_id is None:
            hint = " (create_assets=true registers it)"
            reject(result, p.index, f"asset: no asset named {asset!r}{hint}")
        elif isinstance(asset, int) and asset not in known_ids:
            reject(result, p.index, f"asset: no asset with id {asset}")
        else:
            resolved.append(Placed(p.index, p.fix, asset_id))
    return resolved


def found(session: Session, key: Any, value: Any, wanted: set[Any]) -> Iterable[Any]:
    """(key, value) rows of the assets whose ``key`` is in ``wanted``, 1000 keys a query."""
    keys = sorted(wanted)
    for start in range(0, len(keys), 1000):
        part = keys[start : start + 1000]
        yield from session.execute(select(key, value).where(key.in_(part)))


def insert_fixes(session: Session, placed: list[Placed], now: datetime) -> int:
    """Store the fixes not stored yet; how many were new."""
    rows = [
        (p.asset_id, f.at, f.lat, f.lon, f.alt, f.course, f.speed, f.accuracy, f.source.value)
        for p in sorted(placed, key=lambda p: (p.asset_id, p.fix.at, p.fix.source))
        for f in (p.fix,)
    ]
    if on_postgres(session):
        columns = dict(zip(FIX_COLUMNS, zip(*rows, strict=True), strict=True))
        params = {name: array_literal(values) for name, values in columns.items()}
        return session.execute(INSERT_UNNESTED, {**params, "now": now}).rowcount  # type: ignore[attr-defined,no-any-return]
    stmt = sqlite_insert(FIXES).on_conflict_do_nothing(index_elements=["asset_id", "at", "source"])
    values = [dict(zip(FIX_COLUMNS, row, strict=True)) | {"received_at": now} for row in rows]
    return session.execute(stmt, values).rowcount  # type: ignore[attr-defined,no-any-return]


def array_literal(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal of numbers, timestamps or plain words (no quoting needed)."""
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"


def newest_of_each(placed: list[Placed]) -> list[Placed]:
    """Each asset's newest fix of the batch (the first of equals), in asset id order: the
    order every batch locks assets in, so two never wait on each other in a circle."""
    newest: dict[int, Placed] = {}
    for p in placed:
        kept = newest.get(p.asset_id)
        if kept is None or p.fix.at > kept.fix.at:
            newest[p.asset_id] = p
    return [newest[k] for k in sorted(newest)]


def move_assets(session: Session, actor: str, newest: list[Placed], now: datetime) -> None:
    """Move each asset to its newest fix when that is newer than its position; announce
    the move now, or once its second is over (``flush_moves``).

    The assets are locked FOR NO KEY UPDATE: the batch's fixes already hold a key-share
    lock on them (their foreign key), and so do a concurrent batch's; FOR UPDATE would
    wait on that batch while it waits on this one."""
    rows = session.execute(
        select(
            Asset.id,
            Asset.position_at,
            Asset.last_seen_at,
            Asset.status,
            Asset.heartbeat_seconds,
            Asset.moved_event_at,
        )
        .where(Asset.id.in_([p.asset_id for p in newest]))
        .order_by(Asset.id)
        .with_for_update(key_share=True)
    ).all()
    current = {row.id: row for row in rows}
    changes: list[dict[str, Any]] = []
    announced: list[int] = []
    revived: list[int] = []
    for p in newest:
        row = current[p.asset_id]
        if row.position_at is not None and p.fix.at <= row.position_at:
            continue
        status = row.status
        if status == s.AssetStatus.unreachable and fresh(p.fix.at, row.heartbeat_seconds, now):
            status = s.AssetStatus.available
            revived.append(p.asset_id)
        announce = row.moved_event_at is None or now - row.moved_event_at >= MOVED_EVERY
        if announce:
            announced.append(p.asset_id)
        changes.append(
            {
                "b_id": p.asset_id,
                "b_lat": p.fix.lat,
                "b_lon": p.fix.lon,
                "b_position_at": p.fix.at,
                "b_last_seen_at": max(p.fix.at, row.last_seen_at or p.fix.at),
                "b_status": status,
                "b_moved_event_at": now if announce else row.moved_event_at,
                "b_move_pending": not announce,
            }
        )
    if not changes:
        return
    if on_postgres(session):
        columns = {name[2:]: [c[name] for c in changes] for name in changes[0]}
        session.execute(MOVE_UNNESTED, {k: array_literal(v) for k, v in columns.items()})
    else:
        session.execute(
            update(ASSETS)
            .where(ASSETS.c.id == bindparam("b_id"))
            .values({name[2:]: bindparam(name) for name in changes[0] if name != "b_id"}),
            changes,
        )
    fixes = {p.asset_id: p.fix for p in newest}
    announce_moves(session, actor, {i: fixes[i] for i in announced}, now)
    for asset_id in revived:
        asset = session.get(Asset, asset_id, populate_existing=True)
        assert asset is not None  # locked above
        assets.emit(session, actor, "updated", asset, changed=["status"])


def fresh(at: datetime, heartbeat_seconds: int | None, now: datetime) -> bool:
    """Whether a fix taken at ``at`` is recent enough to call its asset reachable again."""
    return heartbeat_seconds is None or at + timedelta(seconds=heartbeat_seconds) >= now


def announce_moves(
    session: Session, actor: str, fixes: dict[int, s.FixIn | s.Fix], now: datetime
) -> None:
    """One ``asset.moved`` per asset: where it is now, and its name for maps that have not
    seen it yet."""
    if not fixes:
        return
    names = dict(session.execute(select(Asset.id, Asset.name).where(Asset.id.in_(fixes))).all())
    events.record_many(
        session,
        [
            {
                "ts": now,
                "actor": actor,
                "kind": s.EventKind.asset_moved,
                "entity": s.Entity.asset,
                "entity_id": asset_id,
                "operation_id": None,
                "data": {"id": asset_id, "name": names[asset_id]}
                | s.Fix.model_validate(fix, from_attributes=True).model_dump(mode="json"),
            }
            for asset_id, fix in fixes.items()
        ],
    )


def flush_moves(session: Session, *, now: datetime | None = None) -> datetime | None:
    """Announce the moves that waited and whose second is over; the caller commits.
    Returns when the next waiting move falls due (None: none waits)."""
    now = now or utcnow()
    due = now - MOVED_EVERY
    stmt = (
        select(Asset.id, Asset.lat, Asset.lon, Asset.position_at)
        .where(Asset.move_pending, Asset.moved_event_at <= due)
        .order_by(Asset.id)
        .with_for_update(skip_locked=True, key_share=True)
    )
    rows = session.execute(stmt).all()
    if rows:
        ids = [row.id for row in rows]
        newest = newest_fixes(session, ids)
        session.execute(
            update(Asset)
            .where(Asset.id.in_(ids))
            .values(move_pending=False, moved_event_at=now)
            .execution_options(synchronize_session=False)
        )
        announce_moves(session, "system", newest, now)
    waiting = session.scalar(
        select(Asset.moved_event_at)
        .where(Asset.move_pending, Asset.moved_event_at > due)
        .order_by(Asset.moved_event_at)
        .limit(1)
    )
    return waiting + MOVED_EVERY if waiting is not None else None


def newest_fixes(session: Session, asset_ids: list[int]) -> dict[int, s.FixIn | s.Fix]:
    """The stored fix each asset's position came from (its time is ``position_at``)."""
    stmt = (
        select(PositionFix)
        .join(Asset, Asset.id == PositionFix.asset_id)
        .where(PositionFix.asset_id.in_(asset_ids), PositionFix.at == Asset.position_at)
        .order_by(PositionFix.asset_id, PositionFix.id)
    )
    newest: dict[int, s.FixIn | s.Fix] = {}
    for fix in session.scalars(stmt):
        newest.setdefault(fix.asset_id, s.Fix.model_validate(fix))
    return newest


def check_in(session: Session, *, actor: str, ref: int | str, beat: s.Heartbeat) -> Asset:
    """The asset is there now; a position it gives is a fix of source ``heartbeat``, which
    moves it as any fix does. One that was unreachable is reachable again."""
    row = assets.get(session, ref, lock=True)
    now = utcnow()
    if beat.lat is not None and beat.lon is not None:
        fix = s.FixIn(
            asset=row.id, at=now, lat=beat.lat, lon=beat.lon, source=s.FixSource.heartbeat
        )
        placed = [Placed(0, fix, row.id)]
        insert_fixes(session, placed, now)
        move_assets(session, actor, placed, now)
        session.refresh(row)
    row.last_seen_at = now
    if row.status == s.AssetStatus.unreachable:
        row.status = s.AssetStatus.available
    assets.flush(session, ref)
    assets.emit(session, actor, "heartbeat", row)
    return row
