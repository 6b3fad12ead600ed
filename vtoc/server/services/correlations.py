"""Correlation clusters: the analyzer's incremental input (links) and output (merges).

The analyzer owns the union-find; this module does the SQL it needs, all of it keyed by the
new reports (ids above a high-water mark) and the ``(kind, value)`` index, so a run costs in
proportion to what is new, never to the size of the tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Table,
    any_,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.db import UTCDateTime, utcnow
from vtoc.server.errors import InvalidError, NotFoundError
from vtoc.server.models import Correlation, CorrelationMember, IntelReport
from vtoc.server.services.bulk import insert_rows
from vtoc.server.services.pagination import fetch_page

ENTITY = "correlation"
CHUNK = 500  # ids per IN (...) list on SQLite: well under its parameter limit


def among(session: Session, column: ColumnElement[int], ids: Sequence[int]) -> list[Any]:
    """Conditions that together pick the rows whose ``column`` is in ``ids``: one array
    parameter on PostgreSQL (one statement, no per-id bind names), IN lists elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        return [column == any_(bindparam("ids", list(ids), type_=ARRAY(BigInteger)))] if ids else []
    return [column.in_(ids[start : start + CHUNK]) for start in range(0, len(ids), CHUNK)]


# Everything a batch of new reports links to, in one statement. ``carried`` is each distinct
# indicator of the new reports (read through the report_id index, by id range); ``counted``
# adds how many reports carry it, counted through the (kind, value) index and only up to a
# cap, so a value in a million reports costs no more than one in ``cap`` (-1: ignore list).
# Then the indicators over the bound (to report them) and, for the usable ones, each new
# carrier with every earlier carrier observed since ``since`` (the batch's widest window),
# again through the (kind, value) index: at most ``fanout`` rows per indicator.
LINKS = (
    text(
        """
    WITH carried AS (
        SELECT report_id, kind, value FROM indicators
        WHERE report_id > :after AND report_id <= :last
    ), counted AS (
        SELECT c.kind, c.value,
               CASE WHEN lower(c.value) IN :ignore THEN -1 ELSE
               (SELECT count(*) FROM (SELECT 1 FROM indicators i
                                      WHERE i.kind = c.kind AND i.value = c.value
                                      LIMIT :cap) AS capped) END AS fanout
        FROM (SELECT DISTINCT kind, value FROM carried) AS c
    )
    SELECT kind, value, fanout, NULL AS report_id, NULL AS other_id, NULL AS observed_at
    FROM counted WHERE fanout = -1 OR fanout > :fanout
    UNION ALL
    SELECT u.kind, u.value, u.fanout, n.report_id, o.report_id, r.observed_at
    FROM counted AS u
    JOIN carried AS n ON n.kind = u.kind AND n.value = u.value
    JOIN indicators AS o ON o.kind = u.kind AND o.value = u.value AND o.report_id < n.report_id
    JOIN intel_reports AS r ON r.id = o.report_id
    WHERE u.fanout BETWEEN 2 AND :fanout AND r.observed_at >= :since
    """
    )
    .bindparams(bindparam("ignore", expanding=True), bindparam("since", type_=UTCDateTime()))
    .columns(observed_at=UTCDateTime())
)


def scan(session: Session, data: s.CorrelationScan) -> dict[str, Any]:
    """The reports after ``data.after`` and every earlier report each shares an indicator with,
    as a ``CorrelationBatch``'s JSON: thousands of rows go out without a model per row."""
    reports = session.execute(
        select(
            IntelReport.id, IntelReport.severity, IntelReport.operation_id, IntelReport.observed_at
        )
        .where(IntelReport.id > data.after)
        .order_by(IntelReport.id)
        .limit(data.limit)
    ).all()
    if not reports:
        return {"reports": [], "links": [], "members": {}, "skipped": [], "high_water": data.after}
    last = reports[-1].id
    window = timedelta(seconds=data.window_seconds)
    since = {r.id: r.observed_at - window for r in reports}
    rows = session.execute(
        LINKS,
        {
            "after": data.after,
            "last": last,
            "ignore": sorted({v.lower() for v in data.ignore}),
            "cap": data.fanout + 1,
            "fanout": data.fanout,
            "since": min(since.values()),
        },
    ).all()
    skipped = [
        {
            "kind": row.kind,
            "value": row.value,
            "reason": "ignored" if row.fanout < 0 else f"in more than {data.fanout} reports",
        }
        for row in rows
        if row.report_id is None
    ]
    links = [
        {"report_id": row.report_id, "other_id": row.other_id, "kind": row.kind, "value": row.value}
        for row in rows
        if row.report_id is not None and row.observed_at >= since[row.report_id]
    ]
    involved = sorted({link["other_id"] for link in links} | set(since))
    return {
        "reports": [
            {"id": r.id, "severity": r.severity, "operation_id": r.operation_id} for r in reports
        ],
        "links": links,
        "members": cluster_of(session, involved),
        "skipped": skipped,
        "high_water": last,
    }


CLUSTERS = cast(Table, Correlation.__table__)
MEMBERS = cast(Table, CorrelationMember.__table__)
#: what the analyzer reads and writes of a cluster (the timestamps are bookkeeping)
CLUSTER_COLUMNS = [c for c in CLUSTERS.c if c.name not in ("created_at", "updated_at")]


def merge(session: Session, *, actor: str, data: s.CorrelationMerge) -> list[dict[str, Any]]:
    """Apply the analyzer's components: each becomes (or grows) one cluster (as the JSON of
    a ``MergedCorrelation`` each).

    The whole batch is read and written with a handful of Core statements (COPY for the new
    clusters on PostgreSQL), not a few per group nor an ORM object per row.
    """
    report_ids = once_each("report_ids", [r for g in data.groups for r in set(g.report_ids)])
    member_of = cluster_of(session, report_ids)
    owned = [
        sorted(set(g.correlation_ids) | {member_of[r] for r in g.report_ids if r in member_of})
        for g in data.groups
    ]
    wanted = once_each("correlation_ids", [c for ids in owned for c in ids])
    clusters = {
        row["id"]: dict(row)
        for wanted_here in among(session, CLUSTERS.c.id, wanted)
        for row in session.execute(select(*CLUSTER_COLUMNS).where(wanted_here)).mappings().all()
    }
    if missing := set(wanted) - set(clusters):
        raise InvalidError("correlation_ids", f"no clusters {sorted(missing)[:10]}")
    everyone = sorted(set(report_ids) | {r for c in clusters.values() for r in c["report_ids"]})
    facts = {
        row.id: row
        for everyone_here in among(session, IntelReport.id, everyone)
        for row in session.execute(
            select(IntelReport.id, IntelReport.severity, IntelReport.operation_id).where(
                everyone_here
            )
        )
    }
    if missing_reports := set(everyone) - set(facts):
        raise InvalidError("report_ids", f"no intel reports {sorted(missing_reports)[:10]}")
    now = utcnow()
    plans = [
        plan_group(group, [clusters[c] for c in ids], facts, now)
        for group, ids in zip(data.groups, owned, strict=True)
    ]
    write(session, plans, now)
    add_members(
        session,
        [
            {"report_id": r, "correlation_id": plan.cluster["id"]}
            for plan in plans
            for r in plan.joining
            if r not in member_of
        ],
    )
    events.record_many(session, [event_row(actor, plan, now) for plan in plans])
    return [
        {**plan.cluster, "previous_size": plan.previous_size, "unlinked_report_ids": plan.unlinked}
        for plan in plans
    ]


def once_each(field: str, ids: list[int]) -> list[int]:
    """``ids`` sorted, refusing any that two groups name: a component is one group."""
    unique = sorted(set(ids))
    if len(unique) != len(ids):
        twice = sorted(i for i, n in Counter(ids).items() if n > 1)
        raise InvalidError(field, f"{twice[:10]} in more than one group")
    return unique


def write(session: Session, plans: list[Plan], now: datetime) -> None:
    """New clusters in one insert, grown ones in one executemany; absorbed ones folded in."""
    grown = [plan.cluster for plan in plans if plan.cluster["id"] is not None]
    fresh = [plan.cluster for plan in plans if plan.cluster["id"] is None]
    rows = [
        {**{k: v for k, v in c.items() if k != "id"}, "created_at": now, "updated_at": now}
        for c in fresh
    ]
    for cluster, new_id in zip(
        fresh, insert_rows(session, CLUSTERS, rows, with_ids=True), strict=True
    ):
        cluster["id"] = new_id
    if grown:
        changed = ("report_ids", "indicators", "severity", "operation_id", "score")
        session.execute(
            update(CLUSTERS)
            .where(CLUSTERS.c.id == bindparam("_id"))
            .values(
                {
                    **{name: bindparam(f"_{name}") for name in changed},
                    "last_seen_at": now,
                    "updated_at": now,
                }
            ),
            [{f"_{name}": c[name] for name in ("id", *changed)} for c in grown],
        )
    folded = [
        {"_from": absorbed, "_into": plan.cluster["id"]}
        for plan in plans
        for absorbed in plan.absorbed
    ]
    if folded:
        session.execute(
            update(MEMBERS)
            .where(MEMBERS.c.correlation_id == bindparam("_from"))
            .values(correlation_id=bindparam("_into")),
            folded,
        )
        for absorbed in among(session, CLUSTERS.c.id, [f["_from"] for f in folded]):
            session.execute(delete(CLUSTERS).where(absorbed))


def add_members(session: Session, rows: list[dict[str, int]]) -> None:
    """Insert memberships; on PostgreSQL as two arrays in one statement, not row by row."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(MEMBERS), rows)
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
        for these in among(session, MEMBERS.c.report_id, report_ids)
        for row in session.execute(
            select(MEMBERS.c.report_id, MEMBERS.c.correlation_id).where(these)
        )
    }


@dataclass
class Plan:
    #: the cluster's columns after the merge (``id`` None until a new one is inserted)
    cluster: dict[str, Any]
    previous_size: int
    absorbed: list[int]
    joining: list[int]
    unlinked: list[int]


def plan_group(
    group: s.CorrelationGroup, owned: list[dict[str, Any]], facts: dict[int, Any], now: datetime
) -> Plan:
    """One group's cluster: the oldest it touches grows, absorbing the others."""
    keep = owned[0] if owned else {"id": None, "summary_report_id": None, "first_seen_at": now}
    members = set(group.report_ids)
    indicators = {(i.kind.value, i.value) for i in group.indicators}
    for cluster in owned:
        members |= set(cluster["report_ids"])
        indicators |= {(i["kind"], i["value"]) for i in cluster["indicators"]}
    rows = [facts[r] for r in sorted(members)]
    operation = min((r.operation_id for r in rows if r.operation_id is not None), default=None)
    cluster = {
        **keep,
        "report_ids": sorted(members),
        "indicators": [{"kind": k, "value": v} for k, v in sorted(indicators)],
        "severity": max((s.Severity(r.severity) for r in rows), key=lambda v: v.rank),
        "operation_id": operation,
        "score": float(len(members)),
        "last_seen_at": now,
    }
    return Plan(
        cluster=cluster,
        previous_size=len(keep.get("report_ids", ())),
        absorbed=[c["id"] for c in owned[1:]],
        joining=sorted(set(group.report_ids)),
        unlinked=[r.id for r in rows if operation is not None and r.operation_id is None],
    )


def event_row(actor: str, plan: Plan, now: datetime) -> dict[str, Any]:
    """The ``correlation.merged`` event: the cluster (without its member list) and its growth."""
    cluster = plan.cluster
    return {
        "ts": now,
        "actor": actor,
        "kind": "correlation.merged",
        "entity": ENTITY,
        "entity_id": cluster["id"],
        "operation_id": cluster["operation_id"],
        "data": {
            **{k: v for k, v in cluster.items() if k != "report_ids"},
            "severity": cluster["severity"].value,
            "first_seen_at": cluster["first_seen_at"].isoformat(),
            "last_seen_at": now.isoformat(),
            "previous_size": plan.previous_size,
            "size": len(cluster["report_ids"]),
            "absorbed": plan.absorbed,
        },
    }


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
