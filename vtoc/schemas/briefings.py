"""The dashboard's counts and the situation report."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from vtoc.schemas.base import Input
from vtoc.schemas.enums import (
    AgentKind,
    AssetStatus,
    IndicatorKind,
    MissionStatus,
    OperationStatus,
    Priority,
    RunStatus,
    Severity,
)
from vtoc.schemas.events import Event
from vtoc.schemas.journal import JournalKind

# Dashboard --------------------------------------------------------------------------------


class AgentHealth(BaseModel):
    name: str
    kind: AgentKind
    enabled: bool
    last_run_at: datetime | None
    last_status: RunStatus | None
    last_summary: str | None
    next_run_at: datetime | None


class Dashboard(BaseModel):
    """Everything the TUI's first screen shows, in one answer."""

    generated_at: datetime
    operations: dict[OperationStatus, int]
    missions: dict[MissionStatus, int]
    assets: dict[AssetStatus, int]
    overdue_missions: int
    #: reports observed per hour, oldest first; the last bucket ends at ``generated_at``
    intel_per_hour: list[int]
    intel_by_severity: dict[Severity, int]
    recent_events: list[Event]
    agents: list[AgentHealth]


# Situation report -------------------------------------------------------------------------


class SitrepQuery(Input):
    operation: str | None = Field(
        default=None, max_length=200, description="only this operation (id, code or name)"
    )
    hours: int = Field(default=24, ge=1, le=24 * 90, description="the window of intel and journal")


class SitrepOperation(BaseModel):
    code: str
    name: str
    status: OperationStatus
    priority: Priority
    commander: str | None
    #: missions by status, the statuses it has only
    missions: dict[str, int]


class SitrepIndicator(BaseModel):
    kind: IndicatorKind
    value: str
    reports: int


class SitrepIntel(BaseModel):
    id: int
    severity: Severity
    title: str
    observed_at: datetime
    occurrences: int


class SitrepOverdue(BaseModel):
    id: int
    name: str
    #: the operation's code
    operation: str
    status: MissionStatus
    due_at: datetime
    hours_overdue: float


class AgentHealthState(StrEnum):
    """What an operator must know of an agent at a glance."""

    ok = "ok"
    late = "late"
    failing = "failing"
    never_run = "never run"
    disabled = "disabled"


class SitrepAgent(BaseModel):
    name: str
    kind: AgentKind
    enabled: bool
    interval_seconds: int
    last_run_at: datetime | None
    last_status: RunStatus | None
    last_summary: str | None
    health: AgentHealthState


class SitrepJournal(BaseModel):
    id: int
    occurred_at: datetime
    author: str
    kind: JournalKind
    #: the entry's text on one line
    text: str


class SitrepWatch(BaseModel):
    id: int
    severity: Severity
    title: str
    overdue: bool


class Sitrep(BaseModel):
    """The situation as a briefing: what is running, what is ready, what is new in the
    window, what is late, whether the agents keep up, the journal and the open watch."""

    generated_at: datetime
    scope: str
    hours: int
    operations: list[SitrepOperation]
    #: assets by status (of the operation's missions, with ``operation``)
    assets: dict[str, int]
    unreachable_assets: list[str]
    intel_total: int
    intel_by_severity: dict[str, int]
    top_indicators: list[SitrepIndicator]
    notable_intel: list[SitrepIntel]
    overdue: list[SitrepOverdue]
    agents: list[SitrepAgent]
    journal: list[SitrepJournal]
    unacknowledged: list[SitrepWatch]
