"""Escalating a correlation cluster: its members a severity step up, and one summary report.

Its own module because it writes through ``intel`` (events, indicators, versions) on top of
``correlations``: neither of those needs the other.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.errors import NotFoundError
from vtoc.server.models import Correlation, IntelReport
from vtoc.server.services import correlations
from vtoc.server.services.intel import intel


def escalate(session: Session, *, actor: str, correlation_id: int) -> IntelReport:
    """Raise each member's severity a step and file the cluster's one summary report, all in
    one transaction. Once a cluster has its summary this changes nothing and returns it, so
    a retry (or a second analyzer) never raises the members twice."""
    row = session.get(Correlation, correlation_id, with_for_update=True)
    if row is None:
        raise NotFoundError(f"no correlation {correlation_id}")
    if row.summary_report_id is not None and (
        done := session.get(IntelReport, row.summary_report_id)
    ):
        return done
    members = session.scalars(
        select(IntelReport).where(IntelReport.id.in_(row.report_ids)).order_by(IntelReport.id)
    )
    for report in members:
        raised = s.IntelUpdate(severity=report.severity.raised())
        intel.update(session, actor=actor, ref=report.id, data=raised, if_match=None)
    summary = intel.create(session, actor=actor, data=summary_of(row))
    correlations.set_summary(
        session,
        actor=actor,
        correlation_id=row.id,
        data=s.CorrelationUpdate(summary_report_id=summary.id),
    )
    return summary


def summary_of(row: Correlation) -> s.IntelCreate:
    kinds = sorted({i["kind"] for i in row.indicators})
    size = len(row.report_ids)
    return s.IntelCreate(
        title=f"Correlated cluster {row.id}: {size} linked reports",
        # Values stay out of the text (in raw): the summary must not link into clusters.
        body=(
            f"{size} reports share {len(row.indicators)} indicators ({', '.join(kinds)}). "
            f"Reports: {', '.join(map(str, row.report_ids))}."
        ),
        source=s.IntelSource.agent,
        source_ref=f"correlation:{row.id}",
        severity=s.Severity(row.severity).raised(),
        operation_id=row.operation_id,
        raw={"correlation_id": row.id, "indicators": row.indicators},
    )
