"""What every agent gets (a run context) and gives back (an outcome)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient

#: what agents file their own reports as
SOURCE = s.IntelSource.agent


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Run:
    """One run of one agent, under a lease held by ``worker``."""

    client: AsyncVtocClient
    agent: s.Agent
    worker: str

    @property
    def config(self) -> dict[str, Any]:
        return self.agent.config

    @property
    def state(self) -> dict[str, Any]:
        return dict(self.agent.state or {})


@dataclass
class Outcome:
    summary: str
    stats: dict[str, Any] = field(default_factory=dict)
    #: carried to the next run (None keeps the stored state)
    state: dict[str, Any] | None = None


AgentFn = Callable[[Run], Awaitable[Outcome]]
