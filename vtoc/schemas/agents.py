"""Tasks, agents and the runtime between them: leases, runs, claims, correlations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from vtoc.schemas.base import MAX_INT32, MAX_ROW_ID, Input, Name, Output, RowId, UtcDatetime
from vtoc.schemas.enums import (
    LINKING_KINDS,
    AgentKind,
    IndicatorKind,
    RunStatus,
    Severity,
    TaskAction,
    TaskStatus,
)
from vtoc.schemas.intel import Indicator, Intel

# Tasks ------------------------------------------------------------------------------------


class TaskCreate(Input):
    action: TaskAction
    params: dict[str, Any] = {}
    run_after: UtcDatetime | None = None
    max_attempts: int = Field(default=5, ge=1, le=50)


class TaskUpdate(Input):
    """Operators may cancel, requeue or reschedule a task; results are the executor's."""

    status: TaskStatus | None = None
    run_after: UtcDatetime | None = None
    max_attempts: int | None = Field(default=None, ge=1, le=50)


class Task(Output):
    id: int
    action: TaskAction
    params: dict[str, Any]
    status: TaskStatus
    run_after: datetime
    attempts: int
    max_attempts: int
    last_error: str | None
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    version: int


# Agents -----------------------------------------------------------------------------------


class AgentUpdate(Input):
    interval_seconds: int | None = Field(default=None, ge=1, le=MAX_INT32)
    enabled: bool | None = None
    config: dict[str, Any] | None = None


#: how long a failed task waits before its next attempt: the executor's config and each
#: outcome it reports share the bound (a config beyond it failed every run, see executor)
BackoffSeconds = Annotated[float, Field(ge=0, le=86_400)]


class AgentConfig(Input):
    """What an agent's ``config`` may hold, checked when it is saved: a misspelled key or a
    wrong value is refused then, not found when the agent next runs. Unset keys take these
    defaults at run time."""

    #: a run still going after this long is abandoned (its lease is given up)
    timeout_seconds: float = Field(default=300.0, gt=0, le=86_400)


class MonitorTarget(Input):
    name: Name
    url: str = Field(pattern=r"^https?://", max_length=2000)
    expect_status: int = Field(default=200, ge=100, le=599)
    timeout: float = Field(default=5.0, gt=0, le=300)


class MonitorConfig(AgentConfig):
    targets: list[MonitorTarget] = []


class AnalyzerConfig(AgentConfig):
    #: new reports correlated per call
    batch: int = Field(default=10_000, ge=1, le=10_000)
    window_days: float = Field(default=7, gt=0, le=3650)
    #: an indicator in more reports than this links nothing
    fanout_limit: int = Field(default=500, ge=1, le=100_000)
    #: values added to the built-in list that never link
    ignore: list[str] = Field(default=[], max_length=10_000)
    link_kinds: list[IndicatorKind] = Field(default=list(LINKING_KINDS), min_length=1)
    cluster_size_threshold: int = Field(default=5, ge=1)
    severity_threshold: Severity = Severity.critical


class ExecutorConfig(AgentConfig):
    #: tasks claimed at a time
    batch: int = Field(default=10, ge=1, le=100)
    claim_seconds: int = Field(default=300, ge=1, le=86_400)
    backoff_seconds: BackoffSeconds = 30.0


AGENT_CONFIGS: dict[AgentKind, type[AgentConfig]] = {
    AgentKind.monitor: MonitorConfig,
    AgentKind.analyzer: AnalyzerConfig,
    AgentKind.executor: ExecutorConfig,
}


class Agent(Output):
    id: int
    name: str
    kind: AgentKind
    interval_seconds: int
    enabled: bool
    config: dict[str, Any]
    next_run_at: datetime | None
    last_run_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    state: dict[str, Any] | None = None
    updated_at: datetime
    version: int


class AgentRun(Output):
    id: int
    agent_id: int
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    summary: str
    stats: dict[str, Any]
    worker: str | None


# Agent runtime: leases, run reports, task claims, correlations ----------------------------


class LeaseRequest(Input):
    worker: str = Field(min_length=1, max_length=200)
    lease_seconds: int = Field(default=60, ge=1, le=3600)


class RunReport(Input):
    """A finished run; releases the lease and schedules the next due time."""

    worker: str = Field(min_length=1, max_length=200)
    status: RunStatus
    summary: str = Field(default="", max_length=10_000)
    stats: dict[str, Any] = {}
    started_at: UtcDatetime | None = None
    finished_at: UtcDatetime | None = None
    duration_seconds: float | None = Field(default=None, ge=0)
    #: what the agent carries to its next run (a high-water mark, open outages)
    state: dict[str, Any] | None = None


class TaskClaim(Input):
    worker: str = Field(min_length=1, max_length=200)
    limit: int = Field(default=10, ge=1, le=100)
    lease_seconds: int = Field(default=300, ge=1, le=86_400)


class TaskOutcome(Input):
    """What one attempt of a claimed task came to; a failure is retried with backoff."""

    worker: str = Field(min_length=1, max_length=200)
    ok: bool
    result: dict[str, Any] | None = None
    error: str | None = Field(default=None, max_length=10_000)
    backoff_seconds: BackoffSeconds = 30.0


class CorrelationRun(Input):
    """One analyzer increment: correlate the reports after a high-water mark."""

    after: int = Field(default=0, ge=0, le=MAX_ROW_ID)
    limit: int = Field(default=10_000, ge=1, le=10_000)
    window_seconds: int = Field(default=7 * 86_400, ge=1, le=MAX_INT32)
    fanout: int = Field(default=500, ge=1, le=100_000)
    ignore: list[str] = Field(default=[], max_length=10_000)
    #: the indicator kinds that link reports
    kinds: list[IndicatorKind] = Field(default=list(LINKING_KINDS), min_length=1)
    #: clusters to send back for a summary: this many reports, or this severity
    summary_size: int = Field(default=5, ge=1)
    summary_severity: Severity = Severity.critical


class SkippedIndicator(Output):
    kind: IndicatorKind
    value: str
    reason: str


class CorrelationUpdate(Input):
    summary_report_id: RowId | None = None


class Correlation(Output):
    id: int
    score: float
    indicators: list[Indicator]
    report_ids: list[int]
    severity: Severity
    operation_id: int | None
    summary_report_id: int | None
    first_seen_at: datetime
    last_seen_at: datetime


class MergedCorrelation(Correlation):
    previous_size: int
    #: members not yet linked to the cluster's operation
    unlinked_report_ids: list[int]
    #: it reached the run's summary size or severity and has no summary report yet
    summarize: bool


class CorrelationRunResult(Output):
    reports: int
    #: report pairs sharing a usable indicator within the window
    links: int
    clusters_touched: int
    skipped: list[SkippedIndicator]
    #: the next ``after``; equal to the request's when there was nothing new
    high_water: int
    #: the touched clusters that want a summary or have reports to link to their operation
    clusters: list[MergedCorrelation]


class CorrelatedReport(Output):
    report: Intel
    #: why it is linked: the indicators the two reports both carry
    shared: list[Indicator]


class Correlated(Output):
    report_id: int
    correlation: Correlation | None
    reports: list[CorrelatedReport]
