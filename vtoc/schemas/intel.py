"""Intelligence reports, their indicators and ingested alert batches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from vtoc.schemas.base import Input, Output, RowId, Title, UtcDatetime
from vtoc.schemas.enums import TLP, IndicatorKind, IntelSource, Severity

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
