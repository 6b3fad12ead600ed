"""The watch: what needs a human now, and handing it to the next operator.

A handover is a ``handover`` journal entry that lists the watch's open items and the
entries since the last handover, and a row that records who took the watch, once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.db import utcnow
from vtoc.server.errors import ConflictError
from vtoc.server.models import HandoverRow, IntelAck, IntelReport, JournalEntryRow
from vtoc.server.services.acks import deadline_of
from vtoc.server.services.assets import assets
from vtoc.server.services.journal import journal
from vtoc.server.services.missions import missions
from vtoc.server.services.resource import Resource
from vtoc.server.services.tasks import tasks

#: ids a handover entry's text lists per section; the handover row keeps them all
LISTED = 20


def watch(session: Session, *, query: s.WatchQuery, deadlines: dict[str, int]) -> s.Watch:
    now = utcnow()
    severe = [v for v in s.Severity if v.rank >= query.min_severity.rank]
    columns = (
        IntelReport.id,
        IntelReport.title,
        IntelReport.severity,
        IntelReport.operation_id,
        IntelReport.created_at,
    )
    unacked = select(*columns).where(
        IntelReport.severity.in_(severe), ~exists().where(IntelAck.report_id == IntelReport.id)
    )
    reports = session.execute(unacked.order_by(IntelReport.id.desc()).limit(query.limit))
    total = session.scalar(select(func.count()).select_from(unacked.subquery())) or 0
    items = []
    for report in reports:
        deadline = deadline_of(report.severity, report.created_at, deadlines)
        overdue = deadline is not None and deadline <= now
        items.append(
            s.WatchIntel(
                id=report.id,
                title=report.title,
                severity=report.severity,
                operation_id=report.operation_id,
                created_at=report.created_at,
                deadline=deadline,
                overdue=overdue,
            )
        )
    limit = query.limit
    late, _ = missions.list(session, s.MissionQuery(overdue=True, limit=limit))
    failed, _ = tasks.list(session, s.TaskQuery(status=[s.TaskStatus.failed], limit=limit))
    lost, _ = assets.list(session, s.AssetQuery(status=[s.AssetStatus.unreachable], limit=limit))
    return s.Watch(
        generated_at=now,
        unacknowledged=items,
        unacknowledged_total=total,
        overdue_missions=[s.Mission.model_validate(m) for m in late],
        failed_tasks=[s.Task.model_validate(t) for t in failed],
        unreachable_assets=[s.Asset.model_validate(a) for a in lost],
    )


def listed(noun: str, ids: list[int]) -> str:
    shown = ", ".join(map(str, ids[:LISTED])) + (", …" if len(ids) > LISTED else "")
    return f"{len(ids)} {noun}" + (f" ({shown})" if ids else "")


class Handovers(Resource[HandoverRow, Any, Any, s.ListQuery]):
    model = HandoverRow
    public = s.Handover
    entity = s.Entity.handover

    def hand_over(
        self, session: Session, *, actor: str, data: s.HandoverCreate, deadlines: dict[str, int]
    ) -> HandoverRow:
        """File the handover entry with the open items and the entries since the last one."""
        open_now = watch(session, query=s.WatchQuery(limit=500), deadlines=deadlines)
        items = {
            "intel": [r.id for r in open_now.unacknowledged],
            "missions": [m.id for m in open_now.overdue_missions],
            "tasks": [t.id for t in open_now.failed_tasks],
            "assets": [a.id for a in open_now.unreachable_assets],
        }
        last = session.scalar(select(func.max(HandoverRow.entry_id))) or 0
        since = list(
            session.scalars(
                select(JournalEntryRow.id)
                .where(JournalEntryRow.id > last)
                .order_by(JournalEntryRow.id)
                .limit(500)
            )
        )
        text = "\n".join(
            [
                *([data.text, ""] if data.text else []),
                "Open items: "
                + "; ".join(
                    [
                        listed("unacknowledged reports", items["intel"]),
                        listed("overdue missions", items["missions"]),
                        listed("failed tasks", items["tasks"]),
                        listed("unreachable assets", items["assets"]),
                    ]
                )
                + ".",
                f"Entries since the last handover: {listed('entries', since)}.",
            ]
        )
        entry = journal.add(
            session,
            actor,
            JournalEntryRow(
                occurred_at=utcnow(),
                recorded_at=utcnow(),
                author=actor,
                kind=s.JournalKind.handover,
                text=text,
                operation_id=data.operation_id,
                refs=[],
            ),
        )
        row = HandoverRow(entry_id=entry.id, handed_by=actor, open_items=items, entry_ids=since)
        session.add(row)
        session.flush()
        self.emit(session, actor, "created", row)
        return row

    def accept(self, session: Session, *, actor: str, ref: int) -> HandoverRow:
        """Record the incoming operator, once; the same operator accepting again is a no-op."""
        row = self.get(session, ref)
        if row.handed_by == actor:
            raise ConflictError(f"handover {row.id} is yours: the incoming operator accepts it")
        taken = session.execute(
            update(HandoverRow)
            .where(HandoverRow.id == row.id, HandoverRow.accepted_by.is_(None))
            .values(accepted_by=actor, accepted_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        session.refresh(row)
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            self.emit(session, actor, "accepted", row)
        elif row.accepted_by != actor:
            raise ConflictError(
                f"handover {row.id} was accepted by {row.accepted_by} at {row.accepted_at}"
            )
        return row


handovers = Handovers()
