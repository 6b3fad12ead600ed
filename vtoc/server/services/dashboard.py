"""The dashboard: counts and recent activity the operator sees first, in three statements.

The same three statements serve both paths: a session's (SQLite, and a token scoped to some
operations, whose session adds the scope's criteria to every entity they read) and asyncpg's
on the event loop (PostgreSQL, a token that sees everything): the mixed load's dashboard
was its costliest request when it took eight statements and two thread hops.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, select, true
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import scopes
from vtoc.server.async_reads import AsyncReads, json_value
from vtoc.server.db import UTCDateTime, utcnow
from vtoc.server.events import STREAMED
from vtoc.server.models import Agent, AgentRun, Asset, EventRow, IntelReport, Mission, Operation
from vtoc.server.services.agents import LATEST_RUNS
from vtoc.server.services.missions import FINISHED

HOURS = 24
RECENT_EVENTS = 20
E = TypeVar("E", bound=StrEnum)
#: the window's edges, oldest first: ``edge24`` is now
EDGES = [bindparam(f"edge{i}", type_=UTCDateTime()) for i in range(HOURS + 1)]
NOW = EDGES[-1]


def label(column: Any, value: StrEnum) -> str:
    """A count's name in the one row: the table's, as statuses share values across tables."""
    return f"{column.class_.__tablename__}_{value.value}"


def counted(column: Any, enum: type[E], *where: ColumnElement[bool]) -> list[Any]:
    """One count per value of ``enum``, labelled ``<table>_<value>``."""
    return [
        func.count().filter(column == value, *where).label(label(column, value)) for value in enum
    ]


@cache
def counts_statement() -> Select[Any]:
    """``counts_of`` everything, built once: building its CASEs anew took longer than the
    database took to run them."""
    return counts_of({})


def counts_of(visible: Mapping[type[Any], ColumnElement[bool]]) -> Select[Any]:
    """Every count on the board in one row: a scan of each small table, and one of the
    intel of the last 24 h (its hourly buckets one CASE each), each of what is ``visible``
    (``scopes.visible``: a scope's loader criteria do not reach into subqueries)."""

    def seen(model: type[Any]) -> list[ColumnElement[bool]]:
        return [visible[model]] if model in visible else []

    # not ``not_in``: asyncpg takes no IN list that expands per value (``AsyncReads.prepare``)
    unfinished = [Mission.status != status for status in FINISHED]
    overdue = and_(Mission.due_at.is_not(None), Mission.due_at < NOW, *unfinished)
    observed = IntelReport.observed_at
    hourly = [
        func.sum(case(((observed >= start) & (observed < end), 1), else_=0)).label(f"hour{i}")
        for i, (start, end) in enumerate(itertools.pairwise(EDGES))
    ]
    operations = (
        select(*counted(Operation.status, s.OperationStatus)).where(*seen(Operation)).subquery()
    )
    missions = (
        select(
            *counted(Mission.status, s.MissionStatus), func.count().filter(overdue).label("overdue")
        )
        .where(*seen(Mission))
        .subquery()
    )
    assets = select(*counted(Asset.status, s.AssetStatus)).where(*seen(Asset)).subquery()
    intel = (
        select(*hourly, *counted(IntelReport.severity, s.Severity))
        .where(observed >= EDGES[0], observed < NOW, *seen(IntelReport))
        .subquery()
    )
    return select(operations, missions, assets, intel).select_from(
        operations.join(missions, true()).join(assets, true()).join(intel, true())
    )


#: the newest events, newest first
RECENT = select(*STREAMED).order_by(EventRow.id.desc()).limit(RECENT_EVENTS)


#: each agent with its last run, if any
AGENTS = (
    select(
        Agent.name,
        Agent.kind,
        Agent.enabled,
        Agent.last_run_at,
        Agent.next_run_at,
        AgentRun.started_at,
        AgentRun.status,
        AgentRun.summary,
    )
    .outerjoin(LATEST_RUNS, LATEST_RUNS.c.agent_id == Agent.id)
    .outerjoin(AgentRun, AgentRun.id == LATEST_RUNS.c.run_id)
    .order_by(Agent.id)
)


def edges(now: datetime) -> dict[str, datetime]:
    return {f"edge{i}": now - timedelta(hours=HOURS - i) for i in range(HOURS + 1)}


def by_value(counts: Any, column: Any, enum: type[E]) -> dict[E, int]:
    """Every value of the enum, zero when absent, so the screen's layout never shifts."""
    return {value: counts[label(column, value)] or 0 for value in enum}


def board(now: datetime, counts: Any, events: Sequence[Any], agents: Sequence[Any]) -> s.Dashboard:
    """The answer from the three statements' rows (read by name: SQLAlchemy's mappings or
    asyncpg's records)."""
    return s.Dashboard(
        generated_at=now,
        operations=by_value(counts, Operation.status, s.OperationStatus),
        missions=by_value(counts, Mission.status, s.MissionStatus),
        assets=by_value(counts, Asset.status, s.AssetStatus),
        overdue_missions=counts["overdue"] or 0,
        intel_per_hour=[int(counts[f"hour{i}"] or 0) for i in range(HOURS)],
        intel_by_severity=by_value(counts, IntelReport.severity, s.Severity),
        recent_events=[
            s.Event.model_validate({**event, "data": json_value(event["data"])}) for event in events
        ],
        agents=[
            s.AgentHealth(
                name=agent["name"],
                kind=agent["kind"],
                enabled=agent["enabled"],
                last_run_at=agent["last_run_at"] or agent["started_at"],
                last_status=agent["status"],
                last_summary=agent["summary"],
                next_run_at=agent["next_run_at"],
            )
            for agent in agents
        ],
    )


def dashboard(session: Session) -> s.Dashboard:
    now = utcnow()
    scope = scopes.scope_of(session)
    dialect = session.get_bind().dialect.name
    counts = counts_statement() if scope is None else counts_of(scopes.visible(scope, dialect))
    return board(
        now,
        session.execute(counts, edges(now)).mappings().one(),
        session.execute(RECENT).mappings().all(),
        session.execute(AGENTS).mappings().all(),
    )


async def dashboard_async(reads: AsyncReads) -> s.Dashboard:
    """``dashboard`` through asyncpg on one pooled connection, on the event loop."""
    now = utcnow()
    statements = [(counts_statement(), edges(now)), (RECENT, {}), (AGENTS, {})]
    prepared = [reads.prepare(statement, values) for statement, values in statements]

    async def read(conn: asyncpg.Connection) -> list[list[asyncpg.Record]]:
        rows = []
        for found in prepared:
            assert found is not None, "the dashboard's statements expand no IN list"
            sql, args = found
            rows.append(await conn.fetch(sql, *args))
        return rows

    counts, events, agents = await reads.again_if_dropped(read)
    return board(now, counts[0], events, agents)
