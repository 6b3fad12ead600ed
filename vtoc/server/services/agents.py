"""The agent registry: schedules and config are data, edited through the API."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import ColumnElement, CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.db import utcnow
from vtoc.server.errors import ConflictError, InvalidError
from vtoc.server.models import Agent, AgentRun
from vtoc.server.services.pagination import fetch_page
from vtoc.server.services.resource import Resource
from vtoc.validation import message


def checked_config(kind: s.AgentKind, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` as the agent of ``kind`` reads it, or a 422 naming the first bad key."""
    try:
        parsed = s.AGENT_CONFIGS[kind].model_validate(config)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise InvalidError(".".join(map(str, ("config", *error["loc"]))), message(error)) from None
    return parsed.model_dump(mode="json", exclude_unset=True)


#: each agent's last run's id
LATEST_RUNS = (
    select(AgentRun.agent_id, func.max(AgentRun.id).label("run_id"))
    .group_by(AgentRun.agent_id)
    .subquery()
)


class Agents(Resource[Agent, s.Input, s.AgentUpdate, s.ListQuery]):
    model = Agent
    public = s.Agent
    entity = s.Entity.agent
    ref_columns = ("name",)

    def apply(self, session: Session, row: Agent, changes: dict[str, Any]) -> None:
        if changes.get("config") is not None:
            changes["config"] = checked_config(row.kind, changes["config"])
        super().apply(session, row, changes)

    def all(self, session: Session) -> Sequence[Agent]:
        return session.scalars(select(Agent).order_by(Agent.id)).all()

    def latest_runs(self, session: Session) -> dict[int, AgentRun]:
        """Each agent's last run, by agent id, in one query."""
        found = session.scalars(
            select(AgentRun).join(LATEST_RUNS, AgentRun.id == LATEST_RUNS.c.run_id)
        )
        return {run.agent_id: run for run in found}

    def trigger(self, session: Session, *, actor: str, ref: int | str) -> Agent:
        """Make the agent due now; the next worker tick runs it."""
        row = self.get(session, ref, lock=True)
        row.next_run_at = utcnow()
        self.flush(session, ref)
        self.emit(session, actor, "triggered", row)
        return row

    def runs(
        self, session: Session, *, ref: int | str, limit: int, cursor: str | None
    ) -> tuple[Sequence[AgentRun], str | None]:
        row = self.get(session, ref)
        stmt = select(AgentRun).where(AgentRun.agent_id == row.id)
        return fetch_page(session, stmt, AgentRun.id, limit=limit, cursor=cursor)

    # The runtime: leases and run reports ---------------------------------------------------

    def lease(self, session: Session, *, ref: int | str, data: s.LeaseRequest) -> Agent:
        """Grant the lease to ``data.worker`` when the agent is enabled, due and not leased.

        One conditional UPDATE decides: of many workers asking at once exactly one matches.
        """
        row_id = self.get(session, ref).id
        now = utcnow()
        update_if(
            session,
            row_id,
            (
                Agent.enabled.is_(True),
                or_(Agent.next_run_at.is_(None), Agent.next_run_at <= now),
                or_(Agent.lease_owner.is_(None), Agent.lease_expires_at < now),
            ),
            f"agent {ref} is disabled, not due, or leased by another worker",
            lease_owner=data.worker,
            lease_expires_at=now + timedelta(seconds=data.lease_seconds),
            version=Agent.version + 1,
        )
        row = self.refreshed(session, row_id)
        if row.next_run_at is None:  # first run: this moment is its due time
            row.next_run_at = now
        self.emit(session, data.worker, "run_started", row, worker=data.worker)
        return row

    def renew(self, session: Session, *, ref: int | str, data: s.LeaseRequest) -> Agent:
        """Extend a live lease held by ``data.worker``; 409 once it was lost."""
        row_id = self.get(session, ref).id
        now = utcnow()
        update_if(
            session,
            row_id,
            (Agent.lease_owner == data.worker, Agent.lease_expires_at >= now),
            f"worker {data.worker!r} no longer holds the lease on {ref}",
            lease_expires_at=now + timedelta(seconds=data.lease_seconds),
        )
        return self.refreshed(session, row_id)

    def report(self, session: Session, *, ref: int | str, data: s.RunReport) -> AgentRun:
        """Record a run, release the lease and schedule the next due time on the grid."""
        agent = self.get(session, ref)
        now = utcnow()
        due = agent.next_run_at or now
        update_if(
            session,
            agent.id,
            (Agent.lease_owner == data.worker,),
            f"worker {data.worker!r} does not hold the lease on {ref}",
            lease_owner=None,
            lease_expires_at=None,
            last_run_at=now,
            next_run_at=next_due(due, agent.interval_seconds, now),
            state=data.state if data.state is not None else Agent.state,
            version=Agent.version + 1,
        )
        finished = data.finished_at or now
        started = data.started_at or (finished - timedelta(seconds=data.duration_seconds or 0.0))
        run = AgentRun(
            agent_id=agent.id,
            started_at=started,
            finished_at=finished,
            status=data.status,
            summary=data.summary,
            stats=data.stats,
            worker=data.worker,
        )
        session.add(run)
        session.flush()
        events.record(
            session,
            actor=data.worker,
            kind=s.EventKind.agent_run_finished,
            entity=self.entity,
            entity_id=agent.id,
            data={
                "agent": agent.name,
                "due_at": due.isoformat(),
                **s.AgentRun.model_validate(run).model_dump(mode="json"),
            },
        )
        return run

    @staticmethod
    def refreshed(session: Session, row_id: int) -> Agent:
        row = session.get(Agent, row_id, populate_existing=True)
        assert row is not None
        return row


def update_if(
    session: Session,
    agent_id: int,
    conditions: tuple[ColumnElement[bool], ...],
    refused: str,
    **values: Any,
) -> None:
    """Set ``values`` on the agent's row in one conditional UPDATE, or a 409 saying
    ``refused`` when its conditions do not hold: of many workers asking at once, exactly
    one matches."""
    stmt = (
        update(Agent)
        .where(Agent.id == agent_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], session.execute(stmt)).rowcount:
        raise ConflictError(refused)


def next_due(due: datetime, interval: int, now: datetime) -> datetime:
    """The first due time after ``now`` on the agent's grid: missed slots are not replayed."""
    steps = max(1, math.floor((now - due).total_seconds() / interval) + 1)
    return due + timedelta(seconds=steps * interval)


agents = Agents()
