"""The situation report (``GET /sitrep``): counted and chosen by the database, so that a
client renders one answer instead of paging every operation, mission, asset and report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, Subquery, case, func, select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.db import utcnow
from vtoc.server.models import (
    Agent,
    AgentRun,
    Asset,
    IndicatorRow,
    JournalEntryRow,
    Mission,
    Operation,
    mission_assets,
)
from vtoc.server.services.agents import agents
from vtoc.server.services.intel import intel
from vtoc.server.services.journal import journal
from vtoc.server.services.missions import missions
from vtoc.server.services.operations import operations
from vtoc.server.services.watch import watch

#: rows of each "top" list: shared indicators, notable reports
TOP = 10
Line = TypeVar("Line", bound=BaseModel)


def sitrep(session: Session, *, query: s.SitrepQuery, deadlines: dict[str, int]) -> s.Sitrep:
    now = utcnow()
    since = now - timedelta(hours=query.hours)
    one = operations.get(session, query.operation) if query.operation is not None else None
    ops: Sequence[Operation] = (
        [one] if one else session.scalars(select(Operation).order_by(Operation.id.desc())).all()
    )
    op_id = one.id if one else None
    reports = intel.query(session, s.IntelQuery(since=since, operation_id=op_id)).subquery()
    counted = session.execute(select(reports.c.severity, func.count()).group_by(reports.c.severity))
    severities: dict[s.Severity, int] = {severity: n for severity, n in counted}
    open_items = watch(session, query=s.WatchQuery(), deadlines=deadlines).unacknowledged
    return s.Sitrep(
        generated_at=now,
        scope=f"{one.code} {one.name}" if one else "all operations",
        hours=query.hours,
        operations=operation_lines(session, ops),
        **fleet(session, op_id),
        intel_total=sum(severities.values()),
        intel_by_severity={str(k): n for k, n in severities.items()},
        top_indicators=top_indicators(session, select(reports.c.id)),
        notable_intel=notable(session, reports),
        overdue=overdue(session, op_id, now),
        agents=agent_lines(session, now),
        journal=[
            s.SitrepJournal(
                id=e.id,
                occurred_at=e.occurred_at,
                author=e.author,
                kind=e.kind,
                text=" ".join(e.text.split()),
            )
            for e in session.scalars(
                journal.query(session, s.JournalQuery(since=since, operation_id=op_id)).order_by(
                    JournalEntryRow.occurred_at, JournalEntryRow.id
                )
            )
        ],
        unacknowledged=[
            s.SitrepWatch.model_validate(item, from_attributes=True)
            for item in open_items
            if op_id is None or item.operation_id == op_id
        ],
    )


def operation_lines(session: Session, ops: Sequence[Operation]) -> list[s.SitrepOperation]:
    counted = session.execute(
        select(Mission.operation_id, Mission.status, func.count())
        .where(Mission.operation_id.in_([op.id for op in ops]))
        .group_by(Mission.operation_id, Mission.status)
    )
    by_op: dict[int, dict[str, int]] = {op.id: {} for op in ops}
    for op_id, status, n in counted:
        by_op[op_id][str(status)] = n
    return [line(s.SitrepOperation, op, missions=by_op[op.id]) for op in ops]


def fleet(session: Session, op_id: int | None) -> dict[str, object]:
    """Assets by status and the unreachable ones: of the operation's missions, or all."""
    stmt = select(Asset.name, Asset.status)
    if op_id is not None:
        on_missions = select(mission_assets.c.asset_id).join(
            Mission, Mission.id == mission_assets.c.mission_id
        )
        stmt = stmt.where(Asset.id.in_(on_missions.where(Mission.operation_id == op_id)))
    by_status: dict[str, int] = {}
    unreachable = []
    for name, status in session.execute(stmt):
        by_status[str(status)] = by_status.get(str(status), 0) + 1
        if status is s.AssetStatus.unreachable:
            unreachable.append(name)
    return {"assets": by_status, "unreachable_assets": sorted(unreachable)}


def top_indicators(session: Session, report_ids: Select[tuple[int]]) -> list[s.SitrepIndicator]:
    """The indicators most reports of the window share (two or more)."""
    reports = func.count(IndicatorRow.report_id.distinct())
    found = session.execute(
        select(IndicatorRow.kind, IndicatorRow.value, reports)
        .where(IndicatorRow.report_id.in_(report_ids))
        .group_by(IndicatorRow.kind, IndicatorRow.value)
        .having(reports > 1)
        .order_by(reports.desc(), IndicatorRow.kind, IndicatorRow.value)
        .limit(TOP)
    )
    return [s.SitrepIndicator(kind=kind, value=value, reports=n) for kind, value, n in found]


def notable(session: Session, reports: Subquery) -> list[s.SitrepIntel]:
    """The window's critical and high reports, most severe and newest first."""
    high = [v for v in s.Severity if v.rank >= s.Severity.high.rank]
    c = reports.c
    rank = case({v: v.rank for v in s.Severity}, value=c.severity)
    rows = session.execute(
        select(c.id, c.severity, c.title, c.observed_at, c.occurrences)
        .where(c.severity.in_(high))
        .order_by(rank.desc(), c.observed_at.desc(), c.id.desc())
        .limit(TOP)
    )
    return [s.SitrepIntel.model_validate(row._mapping) for row in rows]


def overdue(session: Session, op_id: int | None, now: datetime) -> list[s.SitrepOverdue]:
    late = missions.query(session, s.MissionQuery(overdue=True, operation_id=op_id)).subquery()
    rows = session.execute(
        select(
            late.c.id, late.c.name, Operation.code.label("operation"), late.c.status, late.c.due_at
        )
        .join(Operation, Operation.id == late.c.operation_id)
        .order_by(late.c.due_at, late.c.id)
    )
    return [
        s.SitrepOverdue(
            **row._mapping, hours_overdue=round((now - row.due_at).total_seconds() / 3600, 1)
        )
        for row in rows
    ]


def agent_lines(session: Session, now: datetime) -> list[s.SitrepAgent]:
    runs = agents.latest_runs(session)
    return [
        line(
            s.SitrepAgent,
            agent,
            last_status=run.status if run else None,
            last_summary=run.summary if run else None,
            health=health(agent, run, now),
        )
        for agent, run in ((agent, runs.get(agent.id)) for agent in agents.all(session))
    ]


def line(model: type[Line], row: object, **more: Any) -> Line:
    """A report line: ``model``'s fields read from ``row``, but those given in ``more``."""
    return model(**{f: getattr(row, f) for f in model.model_fields if f not in more}, **more)


def health(agent: Agent, run: AgentRun | None, now: datetime) -> s.AgentHealthState:
    """ok, late, failing, never run or disabled."""
    if not agent.enabled:
        return s.AgentHealthState.disabled
    if run is None or agent.last_run_at is None:
        return s.AgentHealthState.never_run
    if run.status != s.RunStatus.ok:
        return s.AgentHealthState.failing
    late = now - agent.last_run_at > timedelta(seconds=2 * agent.interval_seconds + 60)
    return s.AgentHealthState.late if late else s.AgentHealthState.ok
