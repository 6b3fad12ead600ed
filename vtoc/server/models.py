"""SQLAlchemy tables. Enums and field rules come from ``vtoc.schemas``.

Declarative: one class per table, its indexes beside it with the query each serves; the
length is the tables'.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from vtoc import schemas as s
from vtoc.server.db import UTCDateTime, utcnow

# BIGINT on PostgreSQL, but INTEGER on SQLite so it stays the rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def enum_column(enum: type[StrEnum]) -> Enum:
    """Store enum values as plain strings checked by a constraint (portable, readable)."""
    return Enum(
        enum,
        name=enum.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


#: a new row's ``version`` (SQLAlchemy's counter starts there; bulk inserts state it)
FIRST_VERSION = 1


class Versioned(Timestamped):
    """Rows clients edit: ``version`` guards against lost updates (If-Match → 412)."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class Operation(Versioned, Base):
    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[s.OperationStatus] = mapped_column(enum_column(s.OperationStatus), index=True)
    priority: Mapped[s.Priority] = mapped_column(enum_column(s.Priority), index=True)
    commander: Mapped[str | None] = mapped_column(String(200))
    start_at: Mapped[datetime | None]
    end_at: Mapped[datetime | None]


mission_assets = Table(
    "mission_assets",
    Base.metadata,
    Column("mission_id", ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Mission(Versioned, Base):
    __tablename__ = "missions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[s.MissionStatus] = mapped_column(enum_column(s.MissionStatus), index=True)
    priority: Mapped[s.Priority] = mapped_column(enum_column(s.Priority))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    assets: Mapped[list[Asset]] = relationship(secondary=mission_assets, lazy="selectin")

    @property
    def asset_ids(self) -> list[int]:
        return sorted(a.id for a in self.assets)


def assigned_only(table: str) -> Index:
    """The ``operation_id`` index of rows that belong to an operation: most reports and
    events (every ingested alert's) belong to none, and skip it."""
    assigned = text("operation_id IS NOT NULL")
    return Index(
        f"ix_{table}_operation_id",
        "operation_id",
        postgresql_where=assigned,
        sqlite_where=assigned,
    )


class Asset(Versioned, Base):
    __tablename__ = "assets"
    __table_args__ = (
        Index(
            "ix_assets_move_pending",
            "id",
            postgresql_where=text("move_pending"),
            sqlite_where=text("move_pending"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[s.AssetKind] = mapped_column(enum_column(s.AssetKind), index=True)
    status: Mapped[s.AssetStatus] = mapped_column(enum_column(s.AssetStatus), index=True)
    callsign: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    last_seen_at: Mapped[datetime | None]
    heartbeat_seconds: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: the time of the newest fix: lat/lon follow only a newer one (services/positions.py)
    position_at: Mapped[datetime | None]
    #: when the last ``asset.moved`` was recorded; moves within a second of it wait
    moved_event_at: Mapped[datetime | None]
    #: a move that waited and is still to be announced (the flusher's partial index)
    move_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class PositionFix(Base):
    """One point of an asset's track. The unique key is the dedup key of a retried batch,
    and its (asset_id, at) prefix serves "one asset over a time range" and "the newest"."""

    __tablename__ = "position_fixes"
    __table_args__ = (
        UniqueConstraint("asset_id", "at", "source", name="uq_fix_asset_at_source"),
        # A track is read in (at, id) order with only the columns thinning needs: on
        # PostgreSQL an index-only scan with no sort (SQLite has no INCLUDE: the key alone).
        Index("ix_fix_track", "asset_id", "at", "id", postgresql_include=["lat", "lon"]),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    alt: Mapped[float | None] = mapped_column(Float)
    course: Mapped[float | None] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    source: Mapped[s.FixSource] = mapped_column(enum_column(s.FixSource))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrackHour(Base):
    """An hour (UTC) of an asset's track that has fixes, and its generation: on PostgreSQL
    the triggers on ``position_fixes`` (migration 0017) add or bump it in the statement that
    adds, changes or deletes a fix of the hour, so a summary of the hour built from what
    was committed at one generation is known stale at the next. Unused on SQLite."""

    __tablename__ = "track_hours"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)


class TrackSummary(Base):
    """An hour of an asset's track thinned once for every read of it: its points in the
    order thinning takes them (``thinning.shape_order``), at most ``SUMMARY_POINTS``, and
    how many fixes the hour had, as of ``generation`` (``services/track_summaries.py``).
    Written by reads; on PostgreSQL ``points`` is stored uncompressed, so a read of its
    first N points fetches only those."""

    __tablename__ = "track_summaries"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(Integer)
    points: Mapped[bytes] = mapped_column(LargeBinary)


class IntelReport(Versioned, Base):
    __tablename__ = "intel_reports"
    __table_args__ = (
        UniqueConstraint("source", "source_ref", name="uq_intel_source_ref"),
        # the list's order and cursor (newest observation first), and the dashboard's 24 h
        # counts per hour and severity, index-only
        Index("ix_intel_observed_at_id", "observed_at", "id", "severity"),
        # when each report was observed, by id, without a heap visit (the analyzer's window)
        Index("ix_intel_id_observed_at", "id", "observed_at"),
        Index("ix_intel_fingerprint", "fingerprint", "last_seen_at"),
        assigned_only("intel_reports"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[s.IntelSource] = mapped_column(enum_column(s.IntelSource), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(300))
    severity: Mapped[s.Severity] = mapped_column(enum_column(s.Severity), index=True)
    confidence: Mapped[int] = mapped_column(Integer, default=s.INTEL_CONFIDENCE)
    tlp: Mapped[s.TLP] = mapped_column(enum_column(s.TLP), default=s.INTEL_TLP)
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("operations.id", ondelete="SET NULL")
    )
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL"), index=True
    )
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: alerts with the same fingerprint within the flood window fold into this report
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    indicators: Mapped[list[IndicatorRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="IndicatorRow.id"
    )


class IndicatorRow(Base):
    __tablename__ = "indicators"
    __table_args__ = (
        UniqueConstraint("report_id", "kind", "value", name="uq_indicator_report_kind_value"),
        # report_id in the (kind, value) index: the analyzer's lookups never visit the heap.
        # A look-up by value alone asks for it under every kind (no index on value only).
        Index("ix_indicators_kind_value_report", "kind", "value", "report_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("intel_reports.id", ondelete="CASCADE"))
    kind: Mapped[s.IndicatorKind] = mapped_column(enum_column(s.IndicatorKind))
    value: Mapped[str] = mapped_column(String(1000))


class IngestedAlert(Base):
    """Every alert ingested, folded or not: the dedup key that makes a retried delivery a no-op."""

    __tablename__ = "ingested_alerts"
    __table_args__ = (UniqueConstraint("source", "source_ref", name="uq_ingested_source_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[s.IntelSource] = mapped_column(enum_column(s.IntelSource))
    source_ref: Mapped[str] = mapped_column(String(300))
    report_id: Mapped[int] = mapped_column(
        ForeignKey("intel_reports.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Correlation(Timestamped, Base):
    """A cluster of reports linked through shared indicators (the analyzer's output)."""

    __tablename__ = "correlations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    report_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    severity: Mapped[s.Severity] = mapped_column(enum_column(s.Severity))
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("operations.id", ondelete="SET NULL")
    )
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    summary_report_id: Mapped[int | None] = mapped_column(BigInteger)


class CorrelationMember(Base):
    """Which cluster a report is in: the analyzer's union-find, kept incrementally."""

    __tablename__ = "correlation_members"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("intel_reports.id", ondelete="CASCADE"), primary_key=True
    )
    correlation_id: Mapped[int] = mapped_column(
        ForeignKey("correlations.id", ondelete="CASCADE"), index=True
    )


class Task(Versioned, Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    action: Mapped[s.TaskAction] = mapped_column(enum_column(s.TaskAction))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[s.TaskStatus] = mapped_column(enum_column(s.TaskStatus))
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claim_expires_at: Mapped[datetime | None]


class Agent(Versioned, Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[s.AgentKind] = mapped_column(enum_column(s.AgentKind))
    interval_seconds: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_run_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AgentRun(Base):
    __tablename__ = "agent_runs"
    __table_args__ = (Index("ix_agent_runs_agent_started", "agent_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[s.RunStatus] = mapped_column(enum_column(s.RunStatus))
    summary: Mapped[str] = mapped_column(Text, default="")
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    worker: Mapped[str | None] = mapped_column(String(200))


class EventRow(Base):
    """The append-only event log; also the audit trail."""

    __tablename__ = "events"
    # No index on ``kind``: readers filter by prefix (``LIKE 'intel.%'``), which a b-tree
    # under a non-C collation cannot serve; they walk ids instead.
    __table_args__ = (
        Index("ix_events_entity", "entity", "entity_id"),
        assigned_only("events"),
        # an operation's timeline in time order, from any point (keyset on (ts, id))
        Index(
            "ix_events_operation_ts",
            "operation_id",
            "ts",
            "id",
            postgresql_where=text("operation_id IS NOT NULL"),
            sqlite_where=text("operation_id IS NOT NULL"),
        ),
        # an asset's events with no operation (moves, edits) in time order: the timeline
        # of an operation reads its missions' assets' through it
        Index(
            "ix_events_unassigned_entity_ts",
            "entity",
            "entity_id",
            "ts",
            "id",
            postgresql_where=text("operation_id IS NULL"),
            sqlite_where=text("operation_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ts: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    operation_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class JournalEntryRow(Base):
    """The staff journal: written once, never edited. A correction is another entry.

    Its links (operation, refs) are kept as written, like an event's, not as foreign keys:
    evidence outlives the rows it mentions."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        # an operation's timeline in time order, from any point (keyset on (occurred_at, id))
        Index("ix_journal_operation_occurred", "operation_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    author: Mapped[str] = mapped_column(String(100))
    kind: Mapped[s.JournalKind] = mapped_column(enum_column(s.JournalKind))
    text: Mapped[str] = mapped_column(Text)
    operation_id: Mapped[int | None] = mapped_column(BigInteger)
    refs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: the entry this one corrects; unique: an entry has one correction (correct that one)
    corrects: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    correction: Mapped[JournalEntryRow | None] = relationship(
        foreign_keys=[corrects], uselist=False, viewonly=True, lazy="selectin"
    )

    @property
    def corrected_by(self) -> int | None:
        return self.correction.id if self.correction else None


class IntelAck(Base):
    """Who acknowledged a report, and when: once (the primary key keeps it so)."""

    __tablename__ = "intel_acks"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("intel_reports.id", ondelete="CASCADE"), primary_key=True
    )
    acked_by: Mapped[str] = mapped_column(String(100))
    acked_at: Mapped[datetime] = mapped_column(default=utcnow)


class AckOverdue(Base):
    """A report that passed its acknowledgement deadline unacknowledged. Its primary key
    makes the ``intel.ack_overdue`` event once per report, however many sweeps race."""

    __tablename__ = "intel_ack_overdue"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("intel_reports.id", ondelete="CASCADE"), primary_key=True
    )
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)


class HandoverRow(Base):
    """A watch handed over: the ``handover`` journal entry and who took the watch."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    handed_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    accepted_at: Mapped[datetime | None]
    open_items: Mapped[dict[str, Any]] = mapped_column(default=dict)
    entry_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[s.Role] = mapped_column(enum_column(s.Role))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    #: the operations this token may see (``vtoc.server.scopes``); None: all of them
    operation_ids: Mapped[list[int] | None] = mapped_column(JSON)


class SshKey(Base):
    """A public key enrolled for ``vtoc ssh serve``: the key, not the user name, is the
    identity; revoked rows stay for the audit trail."""

    __tablename__ = "ssh_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[s.Role] = mapped_column(enum_column(s.Role))
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    #: what its sessions' tokens are limited to, as ``ApiToken.operation_ids``
    operation_ids: Mapped[list[int] | None] = mapped_column(JSON)


class EventTicket(Base):
    """A short-lived, single-use pass to open the event stream, stored hashed."""

    __tablename__ = "event_tickets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """What a POST with an ``Idempotency-Key`` answered, so a retry gets the same answer."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("actor", "key", name="uq_idempotency_actor_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Ids are never reused on SQLite either: a deleted OP-0005 stays the only OP-0005.
for _table in Base.metadata.tables.values():
    if "id" in _table.c:
        _table.dialect_options["sqlite"]["autoincrement"] = True
