"""Query parameters of the lists."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from vtoc.schemas.base import MAX_ROW_ID, Input, RowId, UtcDatetime
from vtoc.schemas.enums import (
    AssetKind,
    AssetStatus,
    IntelSource,
    MissionStatus,
    OperationStatus,
    Priority,
    Severity,
    TaskAction,
    TaskStatus,
)

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
