"""Correlation clusters: the analyzer's increments, done where the data is.

One call takes the reports after a high-water mark, links each to the earlier reports that
share an indicator with it (within a window, through the ``(kind, value)`` index), finds the
components with a union-find and creates or grows one cluster per component, all in one
transaction and a handful of set-based statements. Nothing is read per row of the tables,
so a run costs in proportion to what is new, never to the size of the tables.

Longer than most modules: the increment's statements and the reasons for their shape are
one piece, read top to bottom.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    String,
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
from sqlalchemy.orm import InstrumentedAttribute, Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.db import UTCDateTime, on_postgres, utcnow
from vtoc.server.errors import InvalidError, NotFoundError
from vtoc.server.models import Correlation, CorrelationMember, IntelReport
from vtoc.server.services.bulk import insert_rows
from vtoc.server.services.pagination import fetch_page

ENTITY = s.Entity.correlation
CHUNK = 500  # ids per IN (...) list on SQLite: well under its parameter limit
CLUSTERS = cast(Table, Correlation.__table__)
MEMBERS = cast(Table, CorrelationMember.__table__)
#: what the analyzer reads and writes of a cluster (the timestamps are bookkeeping)
CLUSTER_COLUMNS = [c for c in CLUSTERS.c if c.name not in ("created_at", "updated_at")]


def among(
    session: Session, column: ColumnElement[int] | InstrumentedAttribute[int], ids: Sequence[int]
) -> list[Any]:
    """Conditions that together pick the rows whose ``column`` is in ``ids``: one array
    parameter on PostgreSQL (one statement, no per-id bind names), IN lists elsewhere."""
    if on_postgres(session):
        return [column == any_(bindparam("ids", list(ids), type_=ARRAY(BigInteger)))] if ids else []
    return [column.in_(ids[start : start + CHUNK]) for start in range(0, len(ids), CHUNK)]


# Everything a batch of new reports links to, in one statement. ``carried``: the indicators
# of the linking kinds of the new reports (by id range, through the report_id index).
# ``carriers``: for each distinct one not on the ignore list, the reports carrying it, read
# through the (kind, value, report_id) index and only up to ``cap`` of them, with that capped
# count as ``fanout``: a value in a million reports costs no more than one in ``cap``. Then three
# parts: for the usable indicators, each new carrier with every earlier carrier observed
# since ``since`` (the batch's widest window; each report's own is applied after); then the
# indicators over the bound and the ignored ones (``fanout`` -1): why they link nothing.
LINKS = """
WITH carried AS (
    SELECT report_id, kind, value FROM indicators
    WHERE report_id > :after AND report_id <= :last AND kind IN :kinds
), distinct_carried AS (
    SELECT DISTINCT kind, value FROM carried
), carriers AS ({carriers})
SELECT u.kind, u.value, u.fanout, n.report_id, u.report_id AS other_id, r.observed_at
FROM carriers AS u
JOIN carried AS n ON n.kind = u.kind AND n.value = u.value AND u.report_id < n.report_id
JOIN intel_reports AS r ON r.id = u.report_id
WHERE u.fanout BETWEEN 2 AND :fanout AND r.observed_at >= :since
UNION ALL
SELECT kind, value, fanout, NULL, NULL, NULL
FROM (SELECT DISTINCT kind, value, fanout FROM carriers WHERE fanout > :fanout) AS over_bound
UNION ALL
SELECT kind, value, -1, NULL, NULL, NULL
FROM distinct_carried WHERE lower(value) IN :ignore
"""
# PostgreSQL reads each indicator's carriers once (LATERAL ... LIMIT) and counts them there.
CARRIERS_LATERAL = """
    SELECT c.kind, c.value, i.report_id, count(*) OVER (PARTITION BY c.kind, c.value) AS fanout
    FROM distinct_carried AS c
    CROSS JOIN LATERAL (SELECT i.report_id FROM indicators AS i
                        WHERE i.kind = c.kind AND i.value = c.value LIMIT :cap) AS i
    WHERE lower(c.value) NOT IN :ignore
"""
# SQLite has no LATERAL: count (capped) once per indicator, then read the carriers of the
# usable ones only. MATERIALIZED keeps SQLite from re-counting at every reference.
CARRIERS_COUNTED = """
    WITH counted AS MATERIALIZED (
        SELECT d.kind, d.value,
               (SELECT count(*) FROM (SELECT 1 FROM indicators AS i
                                      WHERE i.kind = d.kind AND i.value = d.value
                                      LIMIT :cap) AS capped) AS fanout
        FROM distinct_carried AS d WHERE lower(d.value) NOT IN :ignore
    )
    SELECT c.kind, c.value, i.report_id, c.fanout
    FROM counted AS c JOIN indicators AS i ON i.kind = c.kind AND i.value = c.value
    WHERE c.fanout <= :fanout
    UNION ALL
    SELECT kind, value, NULL, fanout FROM counted WHERE fanout > :fanout
"""


def links_statement(dialect: str) -> Any:
    carriers = CARRIERS_LATERAL if dialect == "postgresql" else CARRIERS_COUNTED
    return (
        text(LINKS.format(carriers=carriers))
        .bindparams(
            bindparam("ignore", expanding=True, type_=String()),
            bindparam("kinds", expanding=True, type_=String()),
            bindparam("since", type_=UTCDateTime()),
        )
        .columns(observed_at=UTCDateTime())
    )


#: a new report as the run reads it: id, severity, operation_id, observed_at
NewReport = Row[int, s.Severity, int | None, datetime]


@dataclass
class Increment:
    """What one batch of new reports found: its links, and the indicators that hit a bound."""

    links: list[tuple[int, int, str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)


def run(session: Session, *, actor: str, data: s.CorrelationRun) -> dict[str, Any]:
    """One increment of the analyzer, as the JSON of a ``CorrelationRunResult``."""
    reports = session.execute(
        select(
            IntelReport.id, IntelReport.severity, IntelReport.operation_id, IntelReport.observed_at
        )
        .where(IntelReport.id > data.after)
        .order_by(IntelReport.id)
        .limit(data.limit)
    ).all()
    if not reports:
        return {
            "reports": 0,
            "links": 0,
            "clusters_touched": 0,
            "skipped": [],
            "high_water": data.after,
            "clusters": [],
        }
    found = link(session, data, reports)
    involved = sorted({other for _, other, _, _ in found.links} | {r.id for r in reports})
    member_of = cluster_of(session, involved)
    plans = merge(session, actor, components(found.links, member_of), member_of)
    return {
        "reports": len(reports),
        "links": len(found.links),
        "clusters_touched": len(plans),
        "skipped": found.skipped,
        "high_water": reports[-1].id,
        "clusters": [
            {
                **plan.cluster,
                "previous_size": plan.previous_size,
                "unlinked_report_ids": plan.unlinked,
                "summarize": summarize,
            }
            for plan in plans
            if (summarize := wants_summary(plan.cluster, data)) or plan.unlinked
        ],
    }


def wants_summary(cluster: dict[str, Any], data: s.CorrelationRun) -> bool:
    """A cluster without its summary yet that is big or severe enough to get one."""
    return cluster["summary_report_id"] is None and (
        len(cluster["report_ids"]) >= data.summary_size
        or s.Severity(cluster["severity"]).rank >= data.summary_severity.rank
    )


def link(session: Session, data: s.CorrelationRun, reports: Sequence[NewReport]) -> Increment:
    """Each new report's links to earlier reports sharing a usable indicator in its window."""
    window = timedelta(seconds=data.window_seconds)
    since = {r.id: r.observed_at - window for r in reports}
    rows = session.execute(
        links_statement(session.get_bind().dialect.name),
        {
            "after": data.after,
            "last": reports[-1].id,
            "ignore": sorted({v.lower() for v in data.ignore}),
            "kinds": sorted({str(kind) for kind in data.kinds}),
            "cap": data.fanout + 1,
            "fanout": data.fanout,
            "since": min(since.values()),
        },
    ).all()
    found = Increment()
    for row in rows:
        if row.report_id is None:
            reason = "ignored" if row.fanout < 0 else f"in more than {data.fanout} reports"
            found.skipped.append({"kind": row.kind, "value": row.value, "reason": reason})
        elif row.observed_at >= since[row.report_id]:
            found.links.append((row.report_id, row.other_id, row.kind, row.value))
    return found


class UnionFind:
    """Reports and clusters as nodes (a cluster's id negated); shared indicators as edges."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, node: int) -> int:
        parent = self.parent
        root = parent.setdefault(node, node)
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


@dataclass
class Group:
    """One component: the reports and existing clusters it joins, and the indicators why."""

    report_ids: list[int]
    correlation_ids: list[int]
    indicators: set[tuple[str, str]]


def components(links: list[tuple[int, int, str, str]], member_of: dict[int, int]) -> list[Group]:
    """The groups to merge: every component that a new link touches."""
    uf = UnionFind()
    for report_id, other_id, _, _ in links:
        uf.union(report_id, other_id)
    for report_id, cluster_id in member_of.items():
        if report_id in uf.parent:
            uf.union(report_id, -cluster_id)
    nodes: dict[int, list[int]] = defaultdict(list)
    for node in uf.parent:
        nodes[uf.find(node)].append(node)
    why: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for report_id, _, kind, value in links:
        why[uf.find(report_id)].add((kind, value))
    return [
        Group(
            report_ids=sorted(n for n in members if n > 0),
            correlation_ids=sorted(-n for n in members if n < 0),
            indicators=why[root],
        )
        for root, members in sorted(nodes.items())
    ]


def merge(
    session: Session, actor: str, groups: list[Group], member_of: dict[int, int]
) -> list[Plan]:
    """Each group becomes (or grows) one cluster: a handful of Core statements for the whole
    batch (COPY for the new clusters and events on PostgreSQL), no ORM object per row."""
    wanted = sorted({c for g in groups for c in g.correlation_ids})
    clusters = {
        row["id"]: dict(row)
        for wanted_here in among(session, CLUSTERS.c.id, wanted)
        for row in session.execute(select(*CLUSTER_COLUMNS).where(wanted_here)).mappings().all()
    }
    everyone = sorted(
        {r for g in groups for r in g.report_ids}
        | {r for c in clusters.values() for r in c["report_ids"]}
    )
    facts = {
        row.id: row
        for everyone_here in among(session, IntelReport.id, everyone)
        for row in session.execute(
            select(IntelReport.id, IntelReport.severity, IntelReport.operation_id).where(
                everyone_here
            )
        )
    }
    now = utcnow()
    plans = [plan_group(g, [clusters[c] for c in g.correlation_ids], facts, now) for g in groups]
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
    events.record_many(session, [event_row(actor, plan, now) for plan in plans if plan.changed])
    return plans


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
    #: the cluster is new, absorbed others, or changed members, indicators, severity or
    #: operation: a retried increment or a report seen again changes nothing worth an event
    changed: bool


def plan_group(
    group: Group, owned: list[dict[str, Any]], facts: dict[int, Any], now: datetime
) -> Plan:
    """One group's cluster: the oldest it touches grows, absorbing the others. Reports
    deleted since they joined (their membership went with them) are left out."""
    keep = owned[0] if owned else {"id": None, "summary_report_id": None, "first_seen_at": now}
    members = set(group.report_ids)
    indicators = set(group.indicators)
    for cluster in owned:
        members |= set(cluster["report_ids"])
        indicators |= {(i["kind"], i["value"]) for i in cluster["indicators"]}
    rows = [facts[r] for r in sorted(members) if r in facts]
    operation = min((r.operation_id for r in rows if r.operation_id is not None), default=None)
    cluster = {
        **keep,
        "report_ids": [r.id for r in rows],
        "indicators": [{"kind": k, "value": v} for k, v in sorted(indicators)],
        "severity": max((s.Severity(r.severity) for r in rows), key=lambda v: v.rank),
        "operation_id": operation,
        "score": float(len(rows)),
        "last_seen_at": now,
    }
    return Plan(
        cluster=cluster,
        previous_size=len(owned[0]["report_ids"]) if owned else 0,
        absorbed=[c["id"] for c in owned[1:]],
        joining=sorted(set(group.report_ids)),
        unlinked=[r.id for r in rows if operation is not None and r.operation_id is None],
        changed=len(owned) != 1 or differs(owned[0], cluster),
    )


def differs(before: dict[str, Any], after: dict[str, Any]) -> bool:
    def indicators(cluster: dict[str, Any]) -> set[tuple[str, str]]:
        return {(i["kind"], i["value"]) for i in cluster["indicators"]}

    return (
        sorted(before["report_ids"]) != after["report_ids"]
        or indicators(before) != indicators(after)
        or before["severity"] != after["severity"]
        or before["operation_id"] != after["operation_id"]
    )


def event_row(actor: str, plan: Plan, now: datetime) -> dict[str, Any]:
    """The ``correlation.merged`` event: the cluster (without its member list) and its growth."""
    cluster = plan.cluster
    return {
        "ts": now,
        "actor": actor,
        "kind": s.EventKind.correlation_merged,
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
        kind=s.EventKind.correlation_updated,
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
