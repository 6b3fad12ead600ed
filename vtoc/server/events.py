"""The event log: every write appends its event in the same transaction as the change."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, event, func, or_, select, text
from sqlalchemy.orm import Session, SessionTransaction

from vtoc.server.models import EventRow
from vtoc.server.services.bulk import insert_rows

# Event ids must become visible in id order, or a reader polling ``id > last_seen`` could
# skip an id that commits after a larger one. On PostgreSQL every transaction that appends
# events first takes this transaction-scoped advisory lock, so event-writing transactions
# commit one after another in the order they drew their ids. SQLite has one writer at a
# time already (BEGIN IMMEDIATE), so the same holds there without a lock.
EVENT_APPEND_LOCK = 0x76746F63  # "vtoc"

# Waking the streams after commit. Subscribers only ever read ``id > last_seen`` from the
# table, so a wake-up is a hint, never the data: a lost or duplicated one costs latency, not
# events. On PostgreSQL the transaction itself sends ``NOTIFY vtoc_events, '<max id>'``,
# which PostgreSQL delivers on commit to every listening server process (this one too). On
# SQLite there is no NOTIFY: after commit we call this process's wakers directly.
NOTIFY_CHANNEL = "vtoc_events"
_APPENDED = "events_appended"
_APPENDED_IN_BULK = "events_appended_in_bulk"
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
def _notify_replicas(session: Session) -> None:
    rows: list[EventRow] | None = session.info.get(_APPENDED)
    bulk = session.info.get(_APPENDED_IN_BULK)
    if not (rows or bulk) or session.get_bind().dialect.name != "postgresql":
        return
    session.flush()
    ids = [row.id for row in rows or [] if row.id is not None]  # a savepoint may undo some
    if bulk:
        ids.append(session.scalar(text("SELECT currval(pg_get_serial_sequence('events', 'id'))")))
    if not ids:
        return
    session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": NOTIFY_CHANNEL, "payload": str(max(ids))},
    )


@event.listens_for(Session, "after_commit")
def _wake_local(session: Session) -> None:
    appended = session.info.get(_APPENDED) or session.info.get(_APPENDED_IN_BULK)
    if appended and session.get_bind().dialect.name == "sqlite":
        with _wakers_lock:
            wakers = list(_local_wakers)
        for wake in wakers:
            wake()


@event.listens_for(Session, "after_transaction_end")
def _forget_lock(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop("event_lock", None)
        session.info.pop(_APPENDED, None)
        session.info.pop(_APPENDED_IN_BULK, None)


def take_append_lock(session: Session) -> None:
    """Take this transaction's turn to append events (once; a no-op on SQLite)."""
    if session.get_bind().dialect.name == "postgresql" and not session.info.get("event_lock"):
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
) -> EventRow:
    take_append_lock(session)
    row = EventRow(
        actor=actor,
        kind=kind,
        entity=entity,
        entity_id=entity_id,
        operation_id=operation_id,
        data=data or {},
    )
    session.add(row)
    session.info.setdefault(_APPENDED, []).append(row)
    return row


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append many events in one statement (bulk ingest), with the same ordering guarantee
    and wake-ups as ``record``. Each row has the EventRow columns but ``id``."""
    if not rows:
        return
    take_append_lock(session)
    insert_rows(session, cast(Table, EventRow.__table__), rows)
    session.info[_APPENDED_IN_BULK] = True


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


def list_before(session: Session, *, limit: int = 100, **filters: Any) -> list[EventRow]:
    """The newest ``limit`` matching events, newest first: a tail without reading the log."""
    return list(session.scalars(matching(**filters).order_by(EventRow.id.desc()).limit(limit)))


def last_id(session: Session) -> int:
    return session.scalar(select(func.max(EventRow.id))) or 0
