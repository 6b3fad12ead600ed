"""Operations, their missions and the assets they use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from vtoc.schemas.base import (
    MAX_INT32,
    Input,
    Latitude,
    Longitude,
    Name,
    Output,
    RowId,
    UtcDatetime,
)
from vtoc.schemas.enums import AssetKind, AssetStatus, MissionStatus, OperationStatus, Priority

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
