"""The agent registry: schedules and config are data, edited through the API."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.db import utcnow
from vtoc.server.models import Agent, AgentRun
from vtoc.server.services.pagination import fetch_page
from vtoc.server.services.resource import Resource


class Agents(Resource[Agent, s.Input, s.AgentUpdate, s.ListQuery]):
    model = Agent
    public = s.Agent
    entity = "agent"
    ref_column = "name"

    def all(self, session: Session) -> Sequence[Agent]:
        return session.scalars(select(Agent).order_by(Agent.id)).all()

    def trigger(self, session: Session, *, actor: str, ref: int | str) -> Agent:
        """Make the agent due now; the next worker tick runs it."""
        row = self.get(session, ref)
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


agents = Agents()
