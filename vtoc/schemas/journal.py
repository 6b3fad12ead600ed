"""The staff journal, the timeline, the watch and handovers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from vtoc.schemas.agents import Task
from vtoc.schemas.base import Input, Output, RowId, UtcDatetime
from vtoc.schemas.enums import Severity
from vtoc.schemas.fleet import Asset, Mission
from vtoc.schemas.queries import EventOrder, ListQuery
from vtoc.terminal import CONTROL

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
