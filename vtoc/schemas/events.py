"""The event log: what happened to which entity, and how to page it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from vtoc.schemas.base import Output

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
    ssh = "ssh"
    """an SSH session; its id is its session token's"""


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
    ssh_session_opened = "ssh.session_opened"
    ssh_session_closed = "ssh.session_closed"

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
