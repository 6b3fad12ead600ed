"""The dashboard: counts and recent activity the operator sees first, in a few queries."""

from __future__ import annotations

import itertools
from datetime import timedelta
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.db import utcnow
from vtoc.server.models import Asset, EventRow, IntelReport, Mission, Operation
from vtoc.server.services.agents import agents
from vtoc.server.services.missions import FINISHED

HOURS = 24
RECENT_EVENTS = 20
E = TypeVar("E", bound=StrEnum)


def count_by(session: Session, column: Any, enum: type[E], *where: Any) -> dict[E, int]:
    """Every value of the enum, zero when absent, so the screen's layout never shifts."""
    rows = session.execute(select(column, func.count()).where(*where).group_by(column)).all()
    found = {enum(value): count for value, count in rows}
    return {value: found.get(value, 0) for value in enum}


@cache
def per_hour_statement() -> Select[Any]:
    """Hourly counts between ``edge0`` and ``edge24``, one CASE an hour: built once, as
    building its 24 CASEs anew took longer than the database took to run them."""
    observed = IntelReport.observed_at
    edges = [bindparam(f"edge{i}", type_=observed.type) for i in range(HOURS + 1)]
    buckets = [
        func.sum(case(((observed >= start) & (observed < end), 1), else_=0))
        for start, end in itertools.pairwise(edges)
    ]
    return select(*buckets).where(observed >= edges[0], observed < edges[-1])


def intel_per_hour(session: Session, end: Any) -> list[int]:
    """One scan of the last 24 h, counted into hourly buckets by the database."""
    edges = {f"edge{i}": end - timedelta(hours=HOURS - i) for i in range(HOURS + 1)}
    row = session.execute(per_hour_statement(), edges).one()
    return [int(value or 0) for value in row]


def agent_health(session: Session) -> list[s.AgentHealth]:
    runs = agents.latest_runs(session)
    health = []
    for agent in agents.all(session):
        run = runs.get(agent.id)
        health.append(
            s.AgentHealth(
                name=agent.name,
                kind=agent.kind,
                enabled=agent.enabled,
                last_run_at=agent.last_run_at or (run.started_at if run else None),
                last_status=run.status if run else None,
                last_summary=run.summary if run else None,
                next_run_at=agent.next_run_at,
            )
        )
    return health


def dashboard(session: Session) -> s.Dashboard:
    now = utcnow()
    overdue = Mission.due_at.is_not(None) & (Mission.due_at < now) & Mission.status.not_in(FINISHED)
    recent = session.scalars(select(EventRow).order_by(EventRow.id.desc()).limit(RECENT_EVENTS))
    since = now - timedelta(hours=HOURS)
    return s.Dashboard(
        generated_at=now,
        operations=count_by(session, Operation.status, s.OperationStatus),
        missions=count_by(session, Mission.status, s.MissionStatus),
        assets=count_by(session, Asset.status, s.AssetStatus),
        overdue_missions=session.scalar(select(func.count()).where(overdue)) or 0,
        intel_per_hour=intel_per_hour(session, now),
        intel_by_severity=count_by(
            session,
            IntelReport.severity,
            s.Severity,
            IntelReport.observed_at >= since,
            IntelReport.observed_at < now,
        ),
        recent_events=[s.Event.model_validate(row) for row in recent],
        agents=agent_health(session),
    )
