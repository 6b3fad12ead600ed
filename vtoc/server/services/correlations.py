"""Correlation clusters: the analyzer's incremental input (links) and output (merges).

The analyzer owns the union-find; this module does the SQL it needs, all of it keyed by the
new reports (ids above a high-water mark) and the ``(kind, value)`` index, so a run costs in
proportion to what is new, never to the size of the tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.db import utcnow
from vtoc.server.errors import InvalidError, NotFoundError
from vtoc.server.models import Correlation, CorrelationMember, IndicatorRow, IntelReport
from vtoc.server.services.pagination import fetch_page

ENTITY = "correlation"
CHUNK = 500  # ids per IN (...) list: well under every driver's parameter limit


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Each new indicator with how many reports carry it, counted through the (kind, value) index
# and only up to a cap: a value in a million reports costs no more than one in ``cap``.
FANOUT = text(
    """
    SELECT n.kind, n.value,
           (SELECT count(*) FROM (SELECT 1 FROM indicators i
                                  WHERE i.kind = n.kind AND i.value = n.value
                                  LIMIT :cap) AS capped) AS fanout
    FROM (SELECT DISTINCT kind, value FROM indicators WHERE report_id IN :ids) AS n
    """
).bindparams(bindparam("ids", expanding=True))


def scan(session: Session, data: s.CorrelationScan) -> s.CorrelationBatch:
    """The reports after ``data.after`` and every earlier report each shares an indicator with."""
    reports = session.execute(
        select(
            IntelReport.id, IntelReport.severity, IntelReport.operation_id, IntelReport.observed_at
        )
        .where(IntelReport.id > data.after)
        .order_by(IntelReport.id)
        .limit(data.limit)
    ).all()
    if not reports:
        return s.CorrelationBatch(
            reports=[], links=[], members={}, skipped=[], high_water=data.after
        )
    seen = {r.id: r.observed_at for r in reports}
    ids = list(seen)
    ignored = {v.lower() for v in data.ignore}
    skipped: dict[tuple[str, str], str] = {}
    usable: set[tuple[str, str]] = set()
    for chunk in chunks(ids):
        for kind, value, fanout in session.execute(
            FANOUT, {"ids": list(chunk), "cap": data.fanout + 1}
        ):
            if value.lower() in ignored:
                skipped[(kind, value)] = "ignored"
            elif fanout > data.fanout:
                skipped[(kind, value)] = f"in more than {data.fanout} reports"
            elif fanout > 1:  # carried by this report alone: nothing to link to
                usable.add((kind, value))
    links = earlier_reports(session, usable, seen, timedelta(seconds=data.window_seconds))
    involved = sorted({link.other_id for link in links} | set(seen))
    members = {
        row.report_id: row.correlation_id
        for ids in chunks(involved)
        for row in session.execute(
            select(CorrelationMember.report_id, CorrelationMember.correlation_id).where(
                CorrelationMember.report_id.in_(ids)
            )
        )
    }
    return s.CorrelationBatch(
        reports=[
            s.ScannedReport(id=r.id, severity=r.severity, operation_id=r.operation_id)
            for r in reports
        ],
        links=links,
        members=members,
        skipped=[
            s.SkippedIndicator(kind=k, value=v, reason=why) for (k, v), why in skipped.items()
        ],
        high_water=reports[-1].id,
    )


def earlier_reports(
    session: Session, usable: set[tuple[str, str]], new: dict[int, Any], window: timedelta
) -> list[s.CorrelationLink]:
    """Links from each new report to earlier ones sharing a usable indicator within the window.

    Every usable indicator is in at most ``fanout`` reports, so this reads at most that many
    rows per indicator, found through the value index.
    """
    carriers: dict[tuple[str, str], list[int]] = defaultdict(list)
    for ids in chunks(list(new)):
        for report_id, kind, value in session.execute(
            select(IndicatorRow.report_id, IndicatorRow.kind, IndicatorRow.value).where(
                IndicatorRow.report_id.in_(ids)
            )
        ):
            if (kind, value) in usable:
                carriers[(kind, value)].append(report_id)
    links: list[s.CorrelationLink] = []
    values = sorted({value for _, value in usable})
    for batch in chunks(values):
        rows = session.execute(
            select(
                IndicatorRow.report_id,
                IndicatorRow.kind,
                IndicatorRow.value,
                IntelReport.observed_at,
            )
            .join(IntelReport, IntelReport.id == IndicatorRow.report_id)
            .where(IndicatorRow.value.in_(batch))
        )
        for other_id, kind, value, observed_at in rows:
            for report_id in carriers.get((kind, value), ()):
                if other_id < report_id and observed_at >= new[report_id] - window:
                    link = s.CorrelationLink(
                        report_id=report_id, other_id=other_id, kind=kind, value=value
                    )
                    links.append(link)
    return links


def merge(session: Session, *, actor: str, data: s.CorrelationMerge) -> list[s.MergedCorrelation]:
    """Apply the analyzer's components: each becomes (or grows) one cluster.

    The whole batch is read and written with a handful of statements, not a few per group.
    """
    report_ids = sorted({r for g in data.groups for r in g.report_ids})
    member_of = cluster_of(session, report_ids)
    wanted = {c for g in data.groups for c in g.correlation_ids} | set(member_of.values())
    clusters = {
        row.id: row
        for ids in chunks(sorted(wanted))
        for row in session.scalars(select(Correlation).where(Correlation.id.in_(ids)))
    }
    if missing := wanted - set(clusters):
        raise InvalidError("correlation_ids", f"no clusters {sorted(missing)[:10]}")
    everyone = set(report_ids) | {r for c in clusters.values() for r in c.report_ids}
    facts = {
        row.id: row
        for ids in chunks(sorted(everyone))
        for row in session.execute(
            select(IntelReport.id, IntelReport.severity, IntelReport.operation_id).where(
                IntelReport.id.in_(ids)
            )
        )
    }
    if missing_reports := everyone - set(facts):
        raise InvalidError("report_ids", f"no intel reports {sorted(missing_reports)[:10]}")
    plans = []
    for group in data.groups:
        owned = set(group.correlation_ids) | {
            member_of[r] for r in group.report_ids if r in member_of
        }
        plans.append(plan_group(group, [clusters[c] for c in sorted(owned)], facts))
    new = [plan.keep for plan in plans if plan.keep.id is None]
    session.add_all(new)
    session.flush()
    for plan in plans:
        if plan.absorbed:
            session.execute(
                update(CorrelationMember)
                .where(CorrelationMember.correlation_id.in_(plan.absorbed))
                .values(correlation_id=plan.keep.id)
            )
            session.execute(delete(Correlation).where(Correlation.id.in_(plan.absorbed)))
    joining = [
        {"report_id": r, "correlation_id": plan.keep.id}
        for plan in plans
        for r in plan.joining
        if r not in member_of
    ]
    add_members(session, joining)
    return [announce(session, actor, plan) for plan in plans]


def add_members(session: Session, rows: list[dict[str, int]]) -> None:
    """Insert memberships; on PostgreSQL as two arrays in one statement, not row by row."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(CorrelationMember), rows)
        return
    session.execute(
        text(
            "INSERT INTO correlation_members (report_id, correlation_id) "
            "SELECT * FROM unnest(CAST(:reports AS bigint[]), CAST(:clusters AS bigint[]))"
        ),
        {
            "reports": [r["report_id"] for r in rows],
            "clusters": [r["correlation_id"] for r in rows],
        },
    )


def cluster_of(session: Session, report_ids: Sequence[int]) -> dict[int, int]:
    return {
        row.report_id: row.correlation_id
        for ids in chunks(report_ids)
        for row in session.execute(
            select(CorrelationMember.report_id, CorrelationMember.correlation_id).where(
                CorrelationMember.report_id.in_(ids)
            )
        )
    }


@dataclass
class Plan:
    keep: Correlation
    previous_size: int
    absorbed: list[int]
    joining: list[int]
    unlinked: list[int]


def plan_group(group: s.CorrelationGroup, owned: list[Correlation], facts: dict[int, Any]) -> Plan:
    """One group's cluster: the oldest it touches grows, absorbing the others."""
    keep = owned[0] if owned else Correlation(indicators=[], report_ids=[])
    previous = len(keep.report_ids or [])
    members = set(group.report_ids)
    indicators = {(i.kind.value, i.value) for i in group.indicators}
    for cluster in owned:
        members |= set(cluster.report_ids)
        indicators |= {(i["kind"], i["value"]) for i in cluster.indicators}
    rows = [facts[r] for r in sorted(members)]
    operation = min((r.operation_id for r in rows if r.operation_id is not None), default=None)
    keep.report_ids = sorted(members)
    keep.indicators = [{"kind": k, "value": v} for k, v in sorted(indicators)]
    keep.severity = max((s.Severity(r.severity) for r in rows), key=lambda v: v.rank)
    keep.operation_id, keep.score, keep.last_seen_at = operation, float(len(members)), utcnow()
    return Plan(
        keep=keep,
        previous_size=previous,
        absorbed=[c.id for c in owned[1:]],
        joining=sorted(set(group.report_ids)),
        unlinked=[r.id for r in rows if operation is not None and r.operation_id is None],
    )


def announce(session: Session, actor: str, plan: Plan) -> s.MergedCorrelation:
    keep = plan.keep
    merged = s.MergedCorrelation(
        id=keep.id,
        score=keep.score,
        indicators=[s.Indicator(kind=i["kind"], value=i["value"]) for i in keep.indicators],
        report_ids=keep.report_ids,
        severity=keep.severity,
        operation_id=keep.operation_id,
        summary_report_id=keep.summary_report_id,
        first_seen_at=keep.first_seen_at or utcnow(),
        last_seen_at=keep.last_seen_at,
        previous_size=plan.previous_size,
        unlinked_report_ids=plan.unlinked,
    )
    events.record(
        session,
        actor=actor,
        kind="correlation.merged",
        entity=ENTITY,
        entity_id=keep.id,
        operation_id=keep.operation_id,
        data={
            **merged.model_dump(mode="json", exclude={"report_ids", "unlinked_report_ids"}),
            "size": len(merged.report_ids),
            "absorbed": plan.absorbed,
        },
    )
    return merged


def get(session: Session, correlation_id: int) -> Correlation:
    row = session.get(Correlation, correlation_id)
    if row is None:
        raise NotFoundError(f"no correlation {correlation_id}")
    return row


def set_summary(
    session: Session, *, actor: str, correlation_id: int, data: s.CorrelationUpdate
) -> Correlation:
    row = get(session, correlation_id)
    if (
        data.summary_report_id is not None
        and session.get(IntelReport, data.summary_report_id) is None
    ):
        raise InvalidError("summary_report_id", f"no intel report {data.summary_report_id}")
    row.summary_report_id = data.summary_report_id
    session.flush()
    events.record(
        session,
        actor=actor,
        kind="correlation.updated",
        entity=ENTITY,
        entity_id=row.id,
        operation_id=row.operation_id,
        data={"summary_report_id": row.summary_report_id},
    )
    return row


def listing(
    session: Session, *, limit: int, cursor: str | None
) -> tuple[Sequence[Correlation], str | None]:
    return fetch_page(session, select(Correlation), Correlation.id, limit=limit, cursor=cursor)


def correlated(session: Session, report_id: int) -> s.Correlated:
    """The reports in ``report_id``'s cluster, each with the indicators the two share."""
    report = session.get(IntelReport, report_id)
    if report is None:
        raise NotFoundError(f"no intel {report_id}")
    cluster_id = session.scalar(
        select(CorrelationMember.correlation_id).where(CorrelationMember.report_id == report_id)
    )
    if cluster_id is None:
        return s.Correlated(report_id=report_id, correlation=None, reports=[])
    cluster = get(session, cluster_id)
    mine = {(i.kind, i.value) for i in report.indicators}
    others = session.scalars(
        select(IntelReport)
        .join(CorrelationMember, CorrelationMember.report_id == IntelReport.id)
        .where(CorrelationMember.correlation_id == cluster_id, IntelReport.id != report_id)
        .order_by(IntelReport.id)
    ).all()
    return s.Correlated(
        report_id=report_id,
        correlation=s.Correlation.model_validate(cluster),
        reports=[
            s.CorrelatedReport(
                report=s.Intel.model_validate(other),
                shared=[
                    s.Indicator(kind=i.kind, value=i.value)
                    for i in other.indicators
                    if (i.kind, i.value) in mine
                ],
            )
            for other in others
        ],
    )
