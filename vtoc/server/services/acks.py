"""Acknowledgements: who saw a report, and when; and the reports nobody acknowledged in time.

Both are written once per report however many callers race: an acknowledgement's primary key
is the report, and so is an overdue flag's, inserted with ON CONFLICT DO NOTHING so that of
two sweeps (two server replicas, two agent workers) only one gets the row back and records
the ``intel.ack_overdue`` event."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.db import on_postgres, utcnow
from vtoc.server.models import AckOverdue, IntelAck, IntelReport
from vtoc.server.services.intel import intel

#: reports flagged per sweep; the next sweep takes the rest
SWEEP_BATCH = 500


def acknowledge(session: Session, *, actor: str, report_id: int) -> tuple[IntelAck, bool]:
    """The report's acknowledgement and whether this call made it (a second ack gets the
    first)."""
    report = intel.get(session, report_id)
    if (found := session.get(IntelAck, report.id)) is not None:
        return found, False
    row = IntelAck(report_id=report.id, acked_by=actor, acked_at=utcnow())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # acknowledged by someone else meanwhile
        first = session.get(IntelAck, report.id, populate_existing=True)
        assert first is not None
        return first, False
    events.record(
        session,
        actor=actor,
        kind=s.EventKind.intel_acknowledged,
        entity=s.Entity.intel,
        entity_id=report.id,
        operation_id=report.operation_id,
        data={"acked_by": actor, "acked_at": row.acked_at.isoformat(), "title": report.title},
    )
    return row, True


def deadline_of(
    severity: s.Severity, created_at: datetime, deadlines: dict[str, int]
) -> datetime | None:
    seconds = deadlines.get(severity.value)
    return None if seconds is None else created_at + timedelta(seconds=seconds)


def sweep(session: Session, *, actor: str, deadlines: dict[str, int]) -> list[int]:
    """Flag the reports past their severity's deadline without an acknowledgement, each
    once ever; an event for each this call flagged."""
    now = utcnow()
    flagged: list[int] = []
    for severity, seconds in deadlines.items():
        due = (
            select(IntelReport.id, IntelReport.operation_id, IntelReport.title)
            .where(
                IntelReport.severity == severity,
                IntelReport.created_at <= now - timedelta(seconds=seconds),
                ~exists().where(IntelAck.report_id == IntelReport.id),
                ~exists().where(AckOverdue.report_id == IntelReport.id),
            )
            .order_by(IntelReport.id)
            .limit(SWEEP_BATCH)
        )
        reports = {row.id: row for row in session.execute(due)}
        if not reports:
            continue
        insert = postgresql.insert if on_postgres(session) else sqlite.insert
        stmt = (
            insert(AckOverdue)
            .values([{"report_id": r, "flagged_at": now} for r in reports])
            .on_conflict_do_nothing(index_elements=["report_id"])
            .returning(AckOverdue.report_id)
        )
        for report_id in session.scalars(stmt):
            report = reports[report_id]
            events.record(
                session,
                actor=actor,
                kind=s.EventKind.intel_ack_overdue,
                entity=s.Entity.intel,
                entity_id=report_id,
                operation_id=report.operation_id,
                data={"severity": severity, "deadline_seconds": seconds, "title": report.title},
            )
            flagged.append(report_id)
    return sorted(flagged)
