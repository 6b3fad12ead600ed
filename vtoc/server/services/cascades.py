"""What a delete takes with it: the rows its foreign keys delete or unlink in the database
(``ondelete`` in ``models``), each announced like a client's own delete or edit, so that
whoever follows the event log stops showing them as they were. The flows in ``deletes``
call these steps in order; the ``*_impact`` counts answer "what would it take?" first.

Each step finds its rows with one statement before the delete and records its events in the
same transaction; an unlinked row gets a new version, so an edit based on the old one is
refused (412) instead of quietly undoing the change.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, Table, distinct, func, or_, select, update
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.db import utcnow
from vtoc.server.models import (
    Correlation,
    CorrelationMember,
    IndicatorRow,
    IntelReport,
    Mission,
    PositionFix,
    mission_assets,
)
from vtoc.server.services import correlations
from vtoc.server.services.intel import intel, with_indicators
from vtoc.server.services.missions import missions

CHUNK = 500  # reports whose indicators are read per query
REPORTS = cast(Table, IntelReport.__table__)


def counted(session: Session, **where: tuple[Any, ColumnElement[bool]]) -> dict[str, int]:
    """For each entity, how many rows of its table match; the ones with none are left out."""
    found = {
        entity: session.scalar(select(func.count()).select_from(table).where(condition)) or 0
        for entity, (table, condition) in where.items()
    }
    return {entity: n for entity, n in found.items() if n}


def operation_impact(session: Session, operation_id: int) -> s.DeleteImpact:
    """What ``deletes.delete_operation`` will delete and unlink."""
    return s.DeleteImpact(
        deletes=counted(session, mission=(Mission, Mission.operation_id == operation_id)),
        unlinks=counted(
            session,
            intel=(IntelReport, IntelReport.operation_id == operation_id),
            correlation=(Correlation, Correlation.operation_id == operation_id),
        ),
    )


def asset_impact(session: Session, asset_id: int) -> s.DeleteImpact:
    """Its track goes with it (CASCADE); what ``deletes.delete_asset`` will unlink."""
    return s.DeleteImpact(
        deletes=counted(session, position_fix=(PositionFix, PositionFix.asset_id == asset_id)),
        unlinks=counted(
            session,
            mission=(mission_assets, mission_assets.c.asset_id == asset_id),
            intel=(IntelReport, IntelReport.asset_id == asset_id),
        ),
    )


def report_impact(session: Session, report_id: int) -> s.DeleteImpact:
    """The clusters ``deletes.delete_report`` will change."""
    return s.DeleteImpact(
        unlinks=counted(session, correlation=(Correlation, clusters_of(report_id))),
    )


def missions_deleted(session: Session, *, actor: str, operation_id: int) -> None:
    """The operation's missions go with it (CASCADE)."""
    gone = session.scalars(
        select(Mission).where(Mission.operation_id == operation_id).order_by(Mission.id)
    ).all()
    for row in gone:
        missions.emit(session, actor, "deleted", row)
        session.expunge(row)  # the database deletes it


def unassign_asset(session: Session, *, actor: str, asset_id: int) -> None:
    """The missions the asset was assigned to lose it (a new version each)."""
    assigned = select(mission_assets.c.mission_id).where(mission_assets.c.asset_id == asset_id)
    for row in session.scalars(
        select(Mission).where(Mission.id.in_(assigned)).order_by(Mission.id)
    ).all():
        row.assets = [a for a in row.assets if a.id != asset_id]
        row.updated_at = utcnow()  # also bumps the version
        missions.flush(session, row.id)
        missions.emit(session, actor, "updated", row, changed=["asset_ids"])


def unlink_intel(session: Session, *, actor: str, field: str, row_id: int) -> None:
    """Reports whose ``field`` is ``row_id`` get NULL there, in one statement: an operation
    can have thousands of them."""
    column = REPORTS.c[field]
    changed = session.execute(
        update(REPORTS)
        .where(column == row_id)
        .values({column: None, REPORTS.c.version: REPORTS.c.version + 1, "updated_at": utcnow()})
        .returning(*REPORTS.c)
    )
    rows = sorted(changed, key=lambda r: r.id)
    for start in range(0, len(rows), CHUNK):
        for report in with_indicators(session, rows[start : start + CHUNK]):
            snapshot = snapshot_of(report)
            events.record(
                session,
                actor=actor,
                kind=s.EventKind.intel_updated,
                entity=intel.entity,
                entity_id=snapshot["id"],
                operation_id=snapshot["operation_id"],
                data={**snapshot, "changed": [field]},
            )


def snapshot_of(report: dict[str, Any]) -> dict[str, Any]:
    """What ``intel.emit`` would record for the report, from its values."""
    return intel.public.model_validate(report).model_dump(mode="json", exclude={"raw"})


def unlink_correlations(session: Session, *, actor: str, operation_id: int) -> None:
    """Clusters of the operation's reports stay, without an operation."""
    ids = session.scalars(
        update(Correlation)
        .where(Correlation.operation_id == operation_id)
        .values(operation_id=None, updated_at=utcnow())
        .returning(Correlation.id)
        .execution_options(synchronize_session=False)
    ).all()
    for correlation_id in sorted(ids):
        events.record(
            session,
            actor=actor,
            kind=s.EventKind.correlation_updated,
            entity=correlations.ENTITY,
            entity_id=correlation_id,
            data={"operation_id": None},
        )


def report_left_clusters(session: Session, *, actor: str, report_id: int) -> None:
    """The report's cluster loses it: the membership row goes by CASCADE, but the cluster's member
    list, score, severity and linking indicators are its own columns. A cluster it
    summarized has no summary any more (the analyzer may write a new one). The rest stays
    one cluster even where the report was the only link between its parts."""
    clusters = session.scalars(
        select(Correlation).where(clusters_of(report_id)).order_by(Correlation.id)
    ).all()
    for cluster in clusters:
        changed: dict[str, Any] = {}
        if report_id in cluster.report_ids:
            remaining = [r for r in cluster.report_ids if r != report_id]
            severities = session.scalars(
                select(IntelReport.severity).where(IntelReport.id.in_(remaining))
            ).all()
            changed = {
                "report_ids": remaining,
                "score": float(len(remaining)),
                "severity": max(severities, key=lambda v: v.rank, default=cluster.severity),
            }
            shared = still_shared(session, remaining)
            indicators = [i for i in cluster.indicators if (i["kind"], i["value"]) in shared]
            if indicators != cluster.indicators:
                changed["indicators"] = indicators
        if cluster.summary_report_id == report_id:
            changed["summary_report_id"] = None
        for name, value in changed.items():
            setattr(cluster, name, value)
        cluster.updated_at = utcnow()
        events.record(
            session,
            actor=actor,
            kind=s.EventKind.correlation_updated,
            entity=correlations.ENTITY,
            entity_id=cluster.id,
            operation_id=cluster.operation_id,
            data={**changed, "changed": sorted(changed)},
        )


def clusters_of(report_id: int) -> ColumnElement[bool]:
    """The clusters the report is a member of or summarizes."""
    member_of = select(CorrelationMember.correlation_id).where(
        CorrelationMember.report_id == report_id
    )
    return or_(Correlation.id.in_(member_of), Correlation.summary_report_id == report_id)


def still_shared(session: Session, report_ids: list[int]) -> set[tuple[str, str]]:
    """The indicators at least two of the reports have: what can still link a cluster."""
    rows = session.execute(
        select(IndicatorRow.kind, IndicatorRow.value)
        .where(IndicatorRow.report_id.in_(report_ids))
        .group_by(IndicatorRow.kind, IndicatorRow.value)
        .having(func.count(distinct(IndicatorRow.report_id)) >= 2)
    )
    return {(kind, value) for kind, value in rows}
