"""The pydantic models and enums every vTOC program shares.

One source of truth: the server validates requests and shapes responses with these
models, and the client, CLI, TUI and agents parse responses into them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum, StrEnum
from functools import cache
from types import UnionType
from typing import Annotated, Any, Generic, Literal, TypeVar, Union, get_args, get_origin
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from vtoc.terminal import CONTROL

T = TypeVar("T")


class Role(StrEnum):
    viewer = "viewer"
    operator = "operator"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class OperationStatus(StrEnum):
    planned = "planned"
    active = "active"
    paused = "paused"
    completed = "completed"
    cancelled = "cancelled"


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class MissionStatus(StrEnum):
    pending = "pending"
    in_progress = "in_progress"
    blocked = "blocked"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


class AssetKind(StrEnum):
    personnel = "personnel"
    vehicle = "vehicle"
    aircraft = "aircraft"
    sensor = "sensor"
    server = "server"
    network = "network"
    other = "other"


class AssetStatus(StrEnum):
    available = "available"
    deployed = "deployed"
    maintenance = "maintenance"
    offline = "offline"
    unreachable = "unreachable"


class FixSource(StrEnum):
    """Where a position fix came from; part of its dedup key (asset, time, source)."""

    heartbeat = "heartbeat"
    nmea = "nmea"
    adsb = "adsb"
    ais = "ais"
    cot = "cot"
    api = "api"


class IntelSource(StrEnum):
    manual = "manual"
    wazuh = "wazuh"
    n8n = "n8n"
    agent = "agent"
    osint = "osint"
    other = "other"


class Severity(StrEnum):
    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return SEVERITY_RANKS[self]

    def raised(self) -> Severity:
        """One step up; critical stays critical."""
        order = list(Severity)
        return order[min(self.rank + 1, len(order) - 1)]


SEVERITY_RANKS = {severity: rank for rank, severity in enumerate(Severity)}


class TLP(StrEnum):
    clear = "clear"
    green = "green"
    amber = "amber"
    amber_strict = "amber+strict"
    red = "red"


class IndicatorKind(StrEnum):
    ipv4 = "ipv4"
    ipv6 = "ipv6"
    domain = "domain"
    url = "url"
    email = "email"
    md5 = "md5"
    sha1 = "sha1"
    sha256 = "sha256"
    cve = "cve"
    mitre = "mitre"
    user = "user"
    host = "host"
    path = "path"


#: The kinds that link reports by default: observables a campaign owns. A technique id
#: (``T1110``), a CVE, a user, a path or one of our own host names is shared by unrelated
#: activity and would fold every brute-force alert into one cluster.
LINKING_KINDS = (
    IndicatorKind.ipv4,
    IndicatorKind.ipv6,
    IndicatorKind.domain,
    IndicatorKind.url,
    IndicatorKind.email,
    IndicatorKind.md5,
    IndicatorKind.sha1,
    IndicatorKind.sha256,
)


class TaskStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


class TaskAction(StrEnum):
    set_status = "set_status"
    assign_asset = "assign_asset"
    file_report = "file_report"
    webhook = "webhook"
    run_agent = "run_agent"


class AgentKind(StrEnum):
    monitor = "monitor"
    analyzer = "analyzer"
    executor = "executor"


class RunStatus(StrEnum):
    ok = "ok"
    error = "error"
    timeout = "timeout"


def storable(value: Any) -> Any:
    """Refuse by field, not with a 500 or a silent NULL later, what no column stores: NUL
    (0x00) in text, which PostgreSQL refuses, and NaN or Infinity, which JSON has no words
    for (PostgreSQL refused them, SQLite stored null)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL (0x00) characters are not allowed")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and Infinity are not numbers JSON can hold")
    elif isinstance(value, list | tuple):
        for item in value:
            storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            storable(item)
    return value


#: what a JSON number stands for; and what the schema says is a JSON string (an IntEnum is
#: a number: it is an int first; pydantic's AwareDatetime is no datetime subclass)
NUMBERS = (int, float, Decimal)
TEXTS = (str, datetime, AwareDatetime, date, time, timedelta, UUID, Enum)


def alternatives(annotation: Any) -> list[Any]:
    """The types an annotation admits, without ``Annotated`` and ``Optional`` around them."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return alternatives(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        return [kind for arg in get_args(annotation) for kind in alternatives(arg)]
    if origin is Literal:
        return [type(value) for value in get_args(annotation)]
    return [annotation]


def takes_any(kinds: list[Any], classes: tuple[type, ...]) -> bool:
    return any(isinstance(k, type) and issubclass(k, classes) for k in kinds)


@dataclass(frozen=True)
class JsonKind:
    """What JSON a field takes, as its schema states it, worked out once per field
    (``kind_of_field``): pydantic alone stores ``true`` as the number 1 (``"operation_id":
    true`` was operation 1, ``"lon": false`` was 0.0) and a number as a time; a client
    generator reading the schema sends neither. Into lists, objects and nested models, where
    the annotation says what they hold. A string for a number stays accepted: query strings
    are text."""

    #: true or false stand for no number here: the field is a number, not a boolean
    no_boolean: bool = False
    #: a number stands for no text or time here
    no_number: bool = False
    #: what a list's items, an object's values, a nested model's fields take
    items: JsonKind | None = None
    values: JsonKind | None = None
    fields: Mapping[str, JsonKind] = dc_field(default_factory=dict)

    def check(self, value: Any) -> None:
        if isinstance(value, bool):
            if self.no_boolean:
                raise PydanticCustomError("json_kind", "must be a number, not true or false")
        elif isinstance(value, int | float):
            if self.no_number:
                raise PydanticCustomError("json_kind", "must be text, not a number")
        elif isinstance(value, list) and self.items is not None:
            for item in value:
                self.items.check(item)
        elif isinstance(value, dict):
            for name, item in value.items():
                inner = self.fields.get(name, self.values)
                if inner is not None:
                    inner.check(item)


def json_kind(annotation: Any) -> JsonKind:
    kinds = alternatives(annotation)
    if Any in kinds or object in kinds:
        return JsonKind()
    items = values = None
    fields: dict[str, JsonKind] = {}
    for kind in kinds:
        args = get_args(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            fields |= {name: json_kind(f.annotation) for name, f in kind.model_fields.items()}
        elif get_origin(kind) in (list, set, frozenset) and args:
            items = json_kind(args[0])
        elif get_origin(kind) is dict and len(args) == 2:
            values = json_kind(args[1])
    return JsonKind(
        no_boolean=bool not in kinds and takes_any(kinds, NUMBERS),
        no_number=takes_any(kinds, TEXTS) and not takes_any(kinds, NUMBERS),
        items=items,
        values=values,
        fields=fields,
    )


@cache
def kind_of_field(model: type[BaseModel], name: str) -> JsonKind:
    return json_kind(model.model_fields[name].annotation)


class Input(BaseModel):
    """Request bodies and query strings: unknown fields are an error, not silently dropped,
    and so is a value no database column can store or of another kind than the schema
    says (``JsonKind``)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def only_storable(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is not None:
            kind_of_field(cls, info.field_name).check(value)
        return storable(value)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


class DeleteImpact(Output):
    """What deleting a row takes with it, counted by entity (``{"mission": 7}``), so that a
    client's confirmation can say so before: "Delete OP-0004 and its 7 missions?"."""

    #: rows deleted with it
    deletes: dict[str, int] = {}
    #: rows that stay but lose their link to it (or, for a report, its cluster's membership)
    unlinks: dict[str, int] = {}


class FieldError(BaseModel):
    field: str
    message: str


class Candidate(BaseModel):
    """One of the rows an ambiguous reference names."""

    id: int
    label: str


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error answer."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] = []
    #: a 409 for a name several rows share: those rows, to pick one by id
    candidates: list[Candidate] = []


#: What names a thing (an operation, a mission, an asset, a report's title): the spaces
#: around it are not part of it, and one of only spaces names nothing (a 422 naming the field).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# Bounds of the database's integer columns: a larger number is a 422 naming the field,
# not an overflow inside the driver.
MAX_ROW_ID = 2**63 - 1
MAX_INT32 = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def id_in_text(text: str) -> int | None:
    """``text`` as a number an id column can hold (0 included): ASCII digits only, and few
    enough that ``int()`` never meets Python's 4,300-digit limit (a 500 before)."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ROW_ID))):
        return None
    number = int(text)
    return number if number <= MAX_ROW_ID else None


def row_id(ref: int | str) -> int | None:
    """``ref`` as a row id when it is one: ASCII digits within the id column's range. The
    server and the CLI read a reference alike: "OP-7" or "٣" is a name, "3" is row 3."""
    number = id_in_text(ref) if isinstance(ref, str) else ref
    return number if number is not None and 0 < number <= MAX_ROW_ID else None


def in_utc_calendar(value: datetime) -> datetime:
    """The time in UTC, as the database stores it: the answer to a create then reads like
    every later GET (it echoed "+05:30" before). A time that leaves years 1-9999 in UTC is a
    422 naming the field, not an overflow at the write."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the date is out of range once converted to UTC") from None


#: A time with its UTC offset, as every input takes one; kept in UTC.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(in_utc_calendar)]

Latitude = Field(default=None, ge=-90, le=90)
Longitude = Field(default=None, ge=-180, le=180)


# Operations -------------------------------------------------------------------------------


class OperationCreate(Input):
    code: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9]*-\d{1,8}$")
    name: Name
    description: str = ""
    status: OperationStatus = OperationStatus.planned
    priority: Priority = Priority.medium
    commander: str | None = None
    start_at: UtcDatetime | None = None
    end_at: UtcDatetime | None = None


class OperationUpdate(Input):
    name: Name | None = None
    description: str | None = None
    status: OperationStatus | None = None
    priority: Priority | None = None
    commander: str | None = None
    start_at: UtcDatetime | None = None
    end_at: UtcDatetime | None = None


class Operation(Output):
    id: int
    code: str
    name: str
    description: str
    status: OperationStatus
    priority: Priority
    commander: str | None
    start_at: datetime | None
    end_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


# Missions ---------------------------------------------------------------------------------


class MissionCreate(Input):
    operation_id: RowId
    name: Name
    objective: str = ""
    status: MissionStatus = MissionStatus.pending
    priority: Priority = Priority.medium
    due_at: UtcDatetime | None = None
    asset_ids: list[RowId] = []


class MissionUpdate(Input):
    name: Name | None = None
    objective: str | None = None
    status: MissionStatus | None = None
    priority: Priority | None = None
    due_at: UtcDatetime | None = None
    asset_ids: list[RowId] | None = None


class Mission(Output):
    id: int
    operation_id: int
    name: str
    objective: str
    status: MissionStatus
    priority: Priority
    due_at: datetime | None
    asset_ids: list[int]
    created_at: datetime
    updated_at: datetime
    version: int


# Assets -----------------------------------------------------------------------------------


class AssetCreate(Input):
    name: Name
    kind: AssetKind = AssetKind.other
    status: AssetStatus = AssetStatus.available
    callsign: str | None = None
    lat: float | None = Latitude
    lon: float | None = Longitude
    heartbeat_seconds: int | None = Field(default=None, gt=0, le=MAX_INT32)
    attributes: dict[str, Any] = {}


class AssetUpdate(Input):
    name: Name | None = None
    kind: AssetKind | None = None
    status: AssetStatus | None = None
    callsign: str | None = None
    lat: float | None = Latitude
    lon: float | None = Longitude
    heartbeat_seconds: int | None = Field(default=None, gt=0, le=MAX_INT32)
    attributes: dict[str, Any] | None = None


class Heartbeat(Input):
    """An asset checking in, optionally with where it is now."""

    lat: float | None = Latitude
    lon: float | None = Longitude

    @model_validator(mode="after")
    def both_or_neither(self) -> Heartbeat:
        """Half a position was dropped without a word; say so instead."""
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together: give both or neither")
        return self


class Asset(Output):
    id: int
    name: str
    kind: AssetKind
    status: AssetStatus
    callsign: str | None
    lat: float | None
    lon: float | None
    last_seen_at: datetime | None
    #: when the fix that gave ``lat``/``lon`` was taken (None: set by hand, or never)
    position_at: datetime | None = None
    heartbeat_seconds: int | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    version: int


# Intelligence -----------------------------------------------------------------------------


class Indicator(Output):
    kind: IndicatorKind
    value: str


#: a new report's confidence and TLP where its source does not give them (API and ingest)
INTEL_CONFIDENCE = 50
INTEL_TLP = TLP.amber


class IntelCreate(Input):
    title: Title
    body: str = ""
    source: IntelSource = IntelSource.manual
    source_ref: str | None = Field(default=None, max_length=300)
    severity: Severity = Severity.info
    confidence: int = Field(default=INTEL_CONFIDENCE, ge=0, le=100)
    tlp: TLP = INTEL_TLP
    observed_at: UtcDatetime | None = None
    operation_id: RowId | None = None
    asset_id: RowId | None = None
    raw: dict[str, Any] | None = None


class IntelUpdate(Input):
    title: Title | None = None
    body: str | None = None
    severity: Severity | None = None
    confidence: int | None = Field(default=None, ge=0, le=100)
    tlp: TLP | None = None
    observed_at: UtcDatetime | None = None
    operation_id: RowId | None = None
    asset_id: RowId | None = None


class Intel(Output):
    id: int
    title: str
    body: str
    source: IntelSource
    source_ref: str | None
    severity: Severity
    confidence: int
    tlp: TLP
    observed_at: datetime
    operation_id: int | None
    asset_id: int | None
    occurrences: int
    last_seen_at: datetime
    indicators: list[Indicator]
    raw: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    version: int


# Ingest -----------------------------------------------------------------------------------


class IngestRejected(BaseModel):
    index: int
    error: str


class IngestResult(BaseModel):
    """What a batch of alerts became. ``updated`` counts alerts folded into a report."""

    created: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: list[IngestRejected] = []
    report_ids: list[int] = []


# Positions --------------------------------------------------------------------------------


#: a number in a fix: pydantic's strict float takes 12 and 12.5, not ``true`` or ``"12"``
Reading = Annotated[float, Strict()]


# Not an ``Input``: its check of every field in Python was a third of a batch's cost, and
# the numbers' bounds refuse NaN and Infinity already; only the texts and the time are
# checked, and the numbers are ``Reading``s.
class FixIn(BaseModel):
    """One position report. ``asset`` is an id (a JSON number) or a name (a JSON string):
    a name of digits only, such as an ICAO address, is still a name."""

    model_config = ConfigDict(extra="forbid")

    asset: Annotated[
        Annotated[RowId, Tag("id")] | Annotated[Name, Tag("name")],
        Discriminator(lambda v: "id" if isinstance(v, int) and not isinstance(v, bool) else "name"),
    ]
    at: UtcDatetime
    lat: Reading = Field(ge=-90, le=90)
    lon: Reading = Field(ge=-180, le=180)
    alt: Reading | None = Field(default=None, ge=-12_000, le=1_000_000, description="metres")
    course: Reading | None = Field(default=None, ge=0, le=360, description="degrees true")
    speed: Reading | None = Field(default=None, ge=0, le=100_000, description="metres/second")
    accuracy: Reading | None = Field(default=None, ge=0, le=10_000_000, description="metres")
    source: FixSource = FixSource.api
    kind: AssetKind | None = Field(default=None, description="for an asset create_assets adds")
    callsign: str | None = Field(default=None, max_length=100)

    @field_validator("asset", "callsign", mode="before")
    @classmethod
    def only_storable(cls, value: Any) -> Any:
        return storable(value)

    @field_validator("at", mode="before")
    @classmethod
    def a_time_not_a_number(cls, value: Any) -> Any:
        kind_of_field(cls, "at").check(value)
        return value


class Fix(Output):
    at: datetime
    lat: float
    lon: float
    alt: float | None = None
    course: float | None = None
    speed: float | None = None
    accuracy: float | None = None
    source: FixSource


class PositionResult(BaseModel):
    """What a batch of fixes became; ``rejected`` names each bad fix by its index."""

    stored: int = 0
    duplicates: int = 0
    assets_created: int = 0
    rejected: list[IngestRejected] = []


class TrackQuery(Input):
    since: UtcDatetime | None = Field(default=None, description="default: 24 h before until")
    until: UtcDatetime | None = Field(default=None, description="default: now")
    max_points: int = Field(default=1000, ge=2, le=10_000)


class Track(BaseModel):
    """An asset's fixes in time order; ``total`` counts them before thinning to max_points."""

    asset_id: int
    name: str
    since: datetime
    until: datetime
    total: int
    fixes: list[Fix]


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


# Tokens -----------------------------------------------------------------------------------


PrincipalName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$"
    ),
]
"""Who a token or an SSH key stands for: the actor its events are written under."""


class TokenCreate(Input):
    name: PrincipalName
    role: Role = Role.viewer
    expires_at: UtcDatetime | None = None


class Token(Output):
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(Token):
    """Returned once at creation: the only time the secret is ever shown."""

    token: str


# SSH keys ---------------------------------------------------------------------------------


class SshKeyCreate(Input):
    name: PrincipalName
    role: Role = Role.viewer
    public_key: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=16000),
        Field(description="one OpenSSH public key line, as in id_ed25519.pub"),
    ]


class SshKey(Output):
    id: int
    name: str
    role: Role
    fingerprint: str = Field(description="SHA256:..., as ssh-keygen -lf prints it")
    created_at: datetime
    revoked_at: datetime | None


class SshSessionCreate(Input):
    """The SSH server asks for a session token for the key a client authenticated with."""

    fingerprint: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class WhoAmI(BaseModel):
    name: str
    role: Role


# Events -----------------------------------------------------------------------------------


class Entity(StrEnum):
    """What an event is about (its ``entity``, and the first word of its ``kind``)."""

    operation = "operation"
    mission = "mission"
    asset = "asset"
    intel = "intel"
    task = "task"
    agent = "agent"
    correlation = "correlation"
    journal = "journal"
    handover = "handover"
    token = "token"
    ssh_key = "ssh_key"


class EventKind(StrEnum):
    """Every kind of event the server records: ``<entity>.<what happened>``."""

    operation_created = "operation.created"
    operation_updated = "operation.updated"
    operation_deleted = "operation.deleted"
    mission_created = "mission.created"
    mission_updated = "mission.updated"
    mission_deleted = "mission.deleted"
    asset_created = "asset.created"
    asset_updated = "asset.updated"
    asset_deleted = "asset.deleted"
    asset_heartbeat = "asset.heartbeat"
    asset_moved = "asset.moved"
    intel_created = "intel.created"
    intel_updated = "intel.updated"
    intel_deleted = "intel.deleted"
    intel_acknowledged = "intel.acknowledged"
    intel_ack_overdue = "intel.ack_overdue"
    task_created = "task.created"
    task_updated = "task.updated"
    task_deleted = "task.deleted"
    task_claimed = "task.claimed"
    task_done = "task.done"
    task_failed = "task.failed"
    task_retry = "task.retry"
    agent_updated = "agent.updated"
    agent_triggered = "agent.triggered"
    agent_run_started = "agent.run_started"
    agent_run_finished = "agent.run_finished"
    correlation_merged = "correlation.merged"
    correlation_updated = "correlation.updated"
    journal_created = "journal.created"
    handover_created = "handover.created"
    handover_accepted = "handover.accepted"
    token_created = "token.created"
    token_revoked = "token.revoked"
    ssh_key_enrolled = "ssh_key.enrolled"
    ssh_key_revoked = "ssh_key.revoked"

    @classmethod
    def of(cls, entity: Entity, verb: str) -> EventKind:
        """The kind of ``verb`` on ``entity``; a ValueError for one no event has."""
        return cls(f"{entity}.{verb}")

    @property
    def entity(self) -> Entity:
        return Entity(self.partition(".")[0])


class Event(Output):
    id: int
    ts: datetime
    actor: str
    kind: str
    entity: str
    entity_id: int | None
    operation_id: int | None
    data: dict[str, Any]


class EventTicket(BaseModel):
    """A one-time pass for ``/events/stream?ticket=``: browsers' EventSource sends no headers."""

    ticket: str
    expires_at: datetime


# List queries -----------------------------------------------------------------------------


class ListQuery(Input):
    """Query parameters every list takes; unknown parameters are refused."""

    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = None
    q: str | None = Field(default=None, max_length=200, description="text search")


class WholeListQuery(Input):
    """The query of lists answered whole in one page (agents, tokens): no parameters."""


class OperationQuery(ListQuery):
    status: list[OperationStatus] = []
    priority: list[Priority] = []


class MissionQuery(ListQuery):
    operation_id: RowId | None = None
    asset_id: RowId | None = None
    status: list[MissionStatus] = []
    priority: list[Priority] = []
    overdue: bool | None = Field(default=None, description="past due_at and not finished")


class AssetQuery(ListQuery):
    kind: list[AssetKind] = []
    status: list[AssetStatus] = []


class IntelQuery(ListQuery):
    severity: list[Severity] = []
    min_severity: Severity | None = None
    source: list[IntelSource] = []
    operation_id: RowId | None = None
    asset_id: RowId | None = None
    indicator: str | None = Field(default=None, description="an indicator value, exact")
    correlation_id: RowId | None = Field(default=None, description="the cluster's members")
    since: UtcDatetime | None = Field(default=None, description="observed at or after")
    until: UtcDatetime | None = Field(default=None, description="observed before")
    raw: bool = Field(
        default=False,
        description="each report's raw alert too (half a Wazuh page's bytes); "
        "without it raw is null in lists, and a report's own GET always has it",
    )


class TaskQuery(ListQuery):
    status: list[TaskStatus] = []
    action: list[TaskAction] = []


class EventOrder(StrEnum):
    asc = "asc"
    desc = "desc"


class EventQuery(Input):
    after: int = Field(default=0, ge=0, le=MAX_ROW_ID, description="only events with a larger id")
    before: int | None = Field(
        default=None, ge=1, le=MAX_ROW_ID, description="only events with a smaller id"
    )
    order: EventOrder = Field(
        default=EventOrder.asc, description="desc: newest first, next_cursor is the next before"
    )
    limit: int = Field(default=100, ge=1, le=1000)
    kind: str | None = Field(default=None, description="kind prefix, e.g. 'intel.'")
    entity: str | None = None
    entity_id: RowId | None = None
    operation_id: RowId | None = None


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


# Journal ----------------------------------------------------------------------------------


class JournalKind(StrEnum):
    note = "note"
    contact = "contact"
    order = "order"
    decision = "decision"
    report = "report"
    handover = "handover"
    sitrep = "sitrep"


class RefEntity(StrEnum):
    """What a journal entry may point at."""

    mission = "mission"
    asset = "asset"
    intel = "intel"
    correlation = "correlation"


#: an entry's text, in UTF-8 bytes: a page of Markdown, not a log dump
JOURNAL_TEXT_BYTES = 8 * 1024
#: how far past the server's clock an ``occurred_at`` may be: operators' clocks drift
CLOCK_SKEW_SECONDS = 120


def plain_text(value: str) -> str:
    """Refuse control characters but tab and newline (ESC would repaint the terminal of
    every operator who reads the journal) and blank text."""
    if (bad := CONTROL.search(value)) is not None:
        raise ValueError(f"control character U+{ord(bad.group()):04X} is not allowed")
    if not value.strip():
        raise ValueError("may not be blank")
    return value


def journal_text(value: str) -> str:
    size = len(value.encode())
    if size > JOURNAL_TEXT_BYTES:
        raise ValueError(f"is {size} bytes; at most {JOURNAL_TEXT_BYTES} (UTF-8)")
    return plain_text(value)


JournalText = Annotated[str, AfterValidator(journal_text)]
Reason = Annotated[str, Field(max_length=500), AfterValidator(plain_text)]


class JournalRef(Input):
    """A link from an entry to a row, e.g. ``{"entity": "intel", "id": 42}``."""

    entity: RefEntity
    id: RowId


class JournalCreate(Input):
    text: JournalText
    kind: JournalKind = JournalKind.note
    occurred_at: UtcDatetime | None = Field(
        default=None, description="when it happened; default now; never in the future"
    )
    operation_id: RowId | None = None
    refs: list[JournalRef] = Field(default=[], max_length=50)


class JournalCorrection(Input):
    """A correction is a new entry: the original stays as it was written."""

    text: JournalText
    reason: Reason


class JournalEntry(Output):
    id: int
    occurred_at: datetime
    recorded_at: datetime
    author: str
    kind: JournalKind
    text: str
    operation_id: int | None
    refs: list[JournalRef]
    corrects: int | None
    corrected_by: int | None
    reason: str | None


class JournalQuery(ListQuery):
    operation_id: RowId | None = None
    kind: list[JournalKind] = []
    author: str | None = Field(default=None, max_length=100)
    since: UtcDatetime | None = Field(default=None, description="occurred at or after")
    until: UtcDatetime | None = Field(default=None, description="occurred before")


# Timeline ---------------------------------------------------------------------------------


class TimelineType(StrEnum):
    entry = "entry"
    event = "event"


class TimelineItem(Output):
    """One line of an operation's timeline: a journal entry or a system event."""

    type: TimelineType
    id: int
    at: datetime = Field(description="when it happened: occurred_at, or the event's time")
    actor: str
    kind: str
    summary: str = Field(description="one line")
    entity: str
    entity_id: int | None
    link: str | None = Field(description="the API path of the row it is about")
    text: str | None = Field(description="an entry's full text")


class TimelineQuery(Input):
    types: list[TimelineType] = []
    since: UtcDatetime | None = Field(default=None, description="at or after")
    until: UtcDatetime | None = Field(default=None, description="before")
    author: str | None = Field(default=None, max_length=200)
    order: EventOrder = Field(default=EventOrder.asc, description="asc: oldest first")
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = None


# Acknowledgements, the watch and handovers ------------------------------------------------


class Ack(Output):
    report_id: int
    acked_by: str
    acked_at: datetime


class OverdueSweep(Output):
    """What one sweep for unacknowledged reports past their deadline flagged."""

    flagged: list[int]


class WatchIntel(Output):
    id: int
    title: str
    severity: Severity
    operation_id: int | None
    created_at: datetime
    deadline: datetime | None
    overdue: bool


class WatchQuery(Input):
    min_severity: Severity = Severity.high
    limit: int = Field(default=100, ge=1, le=500, description="rows per section")


class Watch(BaseModel):
    """What needs a human now."""

    generated_at: datetime
    unacknowledged: list[WatchIntel]
    unacknowledged_total: int
    overdue_missions: list[Mission]
    failed_tasks: list[Task]
    unreachable_assets: list[Asset]


class HandoverCreate(Input):
    text: JournalText | None = Field(default=None, description="the outgoing watch's notes")
    operation_id: RowId | None = None


class Handover(Output):
    id: int
    entry_id: int
    handed_by: str
    created_at: datetime
    accepted_by: str | None
    accepted_at: datetime | None
    open_items: dict[str, list[int]]
    entry_ids: list[int]


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
