"""The event log: every write appends its event in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session, SessionTransaction

from vtoc.server.models import EventRow

# Event ids must become visible in id order, or a reader polling ``id > last_seen`` could
# skip an id that commits after a larger one. On PostgreSQL every transaction that appends
# events first takes this transaction-scoped advisory lock, so event-writing transactions
# commit one after another in the order they drew their ids. SQLite has one writer at a
# time already (BEGIN IMMEDIATE), so the same holds there without a lock.
EVENT_APPEND_LOCK = 0x76746F63  # "vtoc"


@event.listens_for(Session, "after_transaction_end")
def _forget_lock(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop("event_lock", None)


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
    return row


def list_after(
    session: Session,
    *,
    after: int = 0,
    limit: int = 100,
    kind: str | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    operation_id: int | None = None,
) -> list[EventRow]:
    stmt = select(EventRow).where(EventRow.id > after)
    if kind:
        stmt = stmt.where(EventRow.kind.startswith(kind, autoescape=True))
    if entity:
        stmt = stmt.where(EventRow.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(EventRow.entity_id == entity_id)
    if operation_id is not None:
        stmt = stmt.where(EventRow.operation_id == operation_id)
    return list(session.scalars(stmt.order_by(EventRow.id).limit(limit)))


def last_id(session: Session) -> int:
    return session.scalar(select(func.max(EventRow.id))) or 0
