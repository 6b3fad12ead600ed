"""The event log: every write appends its event in the same transaction as the change."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Row, Select, Table, event, func, insert, or_, select, text
from sqlalchemy.orm import Session, SessionTransaction

from vtoc.server.db import on_postgres, utcnow
from vtoc.server.models import EventRow
from vtoc.server.services.bulk import insert_rows

# Event ids must become visible in id order, or a reader polling ``id > last_seen`` could
# skip an id that commits after a larger one. On PostgreSQL every transaction that appends
# events first takes this transaction-scoped advisory lock, so event-writing transactions
# commit one after another in the order they drew their ids. Writes hold it as briefly as
# they can: ``record`` keeps its events until commit, and one statement then takes the
# lock, inserts them and sends the wake-up, so only that statement and COMMIT run under it
# (``record_many``: one COPY, then COMMIT). SQLite has one writer at a
# time already (BEGIN IMMEDIATE), so the same holds there without a lock.
EVENT_APPEND_LOCK = 0x76746F63  # "vtoc"

# Waking the streams after commit. Subscribers only ever read ``id > last_seen`` from the
# table, so a wake-up is a hint, never the data: a lost or duplicated one costs latency, not
# events. On PostgreSQL the transaction itself sends ``NOTIFY vtoc_events, '<max id>'``,
# which PostgreSQL delivers on commit to every listening server process (this one too). On
# SQLite there is no NOTIFY: after commit we call this process's wakers directly.
NOTIFY_CHANNEL = "vtoc_events"

#: the lock, the inserts and the wake-up in one round trip; ids are drawn after the lock
APPEND_AND_NOTIFY = text("""
WITH turn AS MATERIALIZED (SELECT pg_advisory_xact_lock(:key)),
appended AS (
    INSERT INTO events (ts, actor, kind, entity, entity_id, operation_id, data)
    SELECT e.ts, e.actor, e.kind, e.entity, e.entity_id, e.operation_id, e.data
    FROM turn CROSS JOIN json_to_recordset(CAST(:rows AS json)) AS e(
        ts timestamptz, actor text, kind text, entity text, entity_id bigint,
        operation_id bigint, data json
    )
    RETURNING id
)
SELECT pg_notify(:channel, CAST(max(id) AS text)) FROM appended
""")
_APPENDED = "events_appended"
_PENDING = "events_pending"
_PENDING_BULK = "events_pending_bulk"
_local_wakers: set[Callable[[], None]] = set()
_wakers_lock = threading.Lock()


def add_local_waker(waker: Callable[[], None]) -> Callable[[], None]:
    """Call ``waker`` (from any thread) after each SQLite commit that appended events."""
    with _wakers_lock:
        _local_wakers.add(waker)

    def remove() -> None:
        with _wakers_lock:
            _local_wakers.discard(waker)

    return remove


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending: list[dict[str, Any]] | None = session.info.pop(_PENDING, None)
    bulk: list[dict[str, Any]] | None = session.info.pop(_PENDING_BULK, None)
    if not pending and not bulk:
        return
    session.flush()  # the rest of the transaction's writes first, outside the lock
    postgres = on_postgres(session)
    if bulk:
        take_append_lock(session)
        insert_rows(session, cast(Table, EventRow.__table__), bulk)
    if pending and postgres:
        session.execute(
            APPEND_AND_NOTIFY,
            {
                "key": EVENT_APPEND_LOCK,
                "channel": NOTIFY_CHANNEL,
                "rows": json.dumps(pending, default=datetime.isoformat),
            },
        )
    elif pending:
        session.execute(insert(EventRow), pending)
    elif postgres:
        last = session.scalar(text("SELECT currval(pg_get_serial_sequence('events', 'id'))"))
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": NOTIFY_CHANNEL, "payload": str(last)},
        )
    session.info[_APPENDED] = True


@event.listens_for(Session, "after_commit")
def _wake_local(session: Session) -> None:
    appended = session.info.get(_APPENDED)
    if appended and session.get_bind().dialect.name == "sqlite":
        with _wakers_lock:
            wakers = list(_local_wakers)
        for wake in wakers:
            wake()


@event.listens_for(Session, "after_transaction_end")
def _forget_lock(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop("event_lock", None)
        session.info.pop(_PENDING, None)
        session.info.pop(_APPENDED, None)
        session.info.pop(_PENDING_BULK, None)


def take_append_lock(session: Session) -> None:
    """Take this transaction's turn to append events (once; a no-op on SQLite)."""
    if on_postgres(session) and not session.info.get("event_lock"):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_APPEND_LOCK})
        session.info["event_lock"] = True


def record(
    session: Session,
    *,
    actor: str,
    kind: str,
    entity: str,
    entity_id: int | None,
    operation_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append an event when the session commits (and only if it does)."""
    session.info.setdefault(_PENDING, []).append(
        {
            "ts": utcnow(),
            "actor": actor,
            "kind": kind,
            "entity": entity,
            "entity_id": entity_id,
            "operation_id": operation_id,
            "data": data or {},
        }
    )


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append many events when the session commits (bulk ingest): one COPY under the lock,
    with the same ordering guarantee and wake-ups as ``record``. Each row has the EventRow
    columns but ``id``."""
    session.info.setdefault(_PENDING_BULK, []).extend(rows)


def matching(
    *,
    after: int = 0,
    before: int | None = None,
    kind: str | Sequence[str] | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    operation_id: int | None = None,
) -> Select[EventRow]:
    """Events with ids in (``after``, ``before``) that pass the filters, unordered."""
    stmt = select(EventRow).where(EventRow.id > after)
    if before is not None:
        stmt = stmt.where(EventRow.id < before)
    kinds = [kind] if isinstance(kind, str) else list(kind or [])
    if kinds:
        stmt = stmt.where(or_(*(EventRow.kind.startswith(k, autoescape=True) for k in kinds)))
    if entity:
        stmt = stmt.where(EventRow.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(EventRow.entity_id == entity_id)
    if operation_id is not None:
        stmt = stmt.where(EventRow.operation_id == operation_id)
    return stmt


def list_after(session: Session, *, limit: int = 100, **filters: Any) -> list[EventRow]:
    """The oldest ``limit`` matching events: how readers catch up from a known id."""
    return list(session.scalars(matching(**filters).order_by(EventRow.id).limit(limit)))


#: an event's columns as the stream sends them, in ``schemas.Event``'s field order
STREAMED = (
    EventRow.id,
    EventRow.ts,
    EventRow.actor,
    EventRow.kind,
    EventRow.entity,
    EventRow.entity_id,
    EventRow.operation_id,
    EventRow.data,
)


def streamed_after(session: Session, *, limit: int = 100, **filters: Any) -> Sequence[Row[Any]]:
    """``list_after`` as plain rows of ``STREAMED``: the event hub of every server process
    reads each event, and an ORM object apiece cost more than the rest of its work."""
    stmt = matching(**filters).with_only_columns(*STREAMED).order_by(EventRow.id).limit(limit)
    return session.execute(stmt).all()


class Stub(NamedTuple):
    """What a process needs of events nobody streams from it: the kinds that happened, and
    the last id of each."""

    id: int
    kind: str


def stubs_after(session: Session, *, after: int) -> list[Stub]:
    """One stub per kind of event after ``after``, by last id: a burst of 500 ingested
    reports is one row, not 500."""
    return [Stub(last, kind) for last, kind in session.execute(stubs_query(after))]


def stubs_query(after: int) -> Select[int, str]:
    """``stubs_after``'s statement. Its range is closed above by the last id: with
    ``id > after`` alone, PostgreSQL estimates a third of a table it has no statistics for
    (a log growing faster than autovacuum analyzes it) and reads the whole log, in every
    server process, at every commit. A closed range is estimated small, and read through
    the primary key.
    """
    last = func.max(EventRow.id).label("last")
    newest = select(func.max(EventRow.id)).scalar_subquery()
    return (
        select(last, EventRow.kind)
        .where(EventRow.id > after, EventRow.id <= newest)
        .group_by(EventRow.kind)
        .order_by(last)
    )


def list_before(session: Session, *, limit: int = 100, **filters: Any) -> list[EventRow]:
    """The newest ``limit`` matching events, newest first: a tail without reading the log."""
    return list(session.scalars(matching(**filters).order_by(EventRow.id.desc()).limit(limit)))


def last_id(session: Session) -> int:
    return session.scalar(select(func.max(EventRow.id))) or 0
