"""What each list shows: columns, colours, form fields and how to reach it on the client.

One table of specs, read by the generic list screen, the forms, the command line and the
palette, so adding a resource to the TUI is one entry here.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from rich.style import Style
from rich.text import Text

from vtoc import schemas as s
from vtoc.client import AsyncRows, AsyncVtocClient
from vtoc.terminal import printable
from vtoc.when import FORMS, parse_when

STATUS_STYLES: dict[str, str] = {
    # operations and missions
    "planned": "cyan",
    "active": "green",
    "paused": "yellow",
    "pending": "cyan",
    "in_progress": "green",
    "blocked": "red",
    "failed": "red",
    "completed": "dim",
    "cancelled": "dim",
    # assets
    "available": "green",
    "deployed": "cyan",
    "maintenance": "yellow",
    "offline": "dim",
    "unreachable": "bold red",
    # severities and priorities
    "info": "dim",
    "low": "green",
    "medium": "yellow",
    "high": "bold red",
    "critical": "bold reverse red",
    # agent runs
    "ok": "green",
    "error": "red",
    "timeout": "yellow",
}


def styled(value: str | StrEnum | None) -> Text:
    """An enum value in its colour; NO_COLOR terminals still read the word itself."""
    return styled_word("" if value is None else str(value))


@cache
def styled_word(word: str) -> Text:
    """One shared Text per word: a list of 10,000 rows holds a handful, not 20,000 (tables
    only read their cells, never change them).

    With ``NO_COLOR`` Textual turns colours into greys by luminance, and red becomes dark
    grey on a dark background: there the words keep only bold, reverse and dim.
    """
    style = Style.parse(STATUS_STYLES.get(word, ""))
    return Text(word, style=style.without_color if os.environ.get("NO_COLOR") else style)


def clock() -> datetime:
    """The TUI's idea of now; snapshot tests replace it to render relative times stably."""
    return datetime.now(UTC)


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """A short relative time ("3m", "2h", "4d"); exact times live in the detail view."""
    if when is None:
        return "-"
    seconds = int(((now or clock()) - when).total_seconds())
    sign = "in " if seconds < 0 else ""
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{sign}{seconds // size}{unit}"
    return f"{sign}{seconds}s"


def heartbeat_overdue(asset: s.Asset, now: datetime | None = None) -> bool:
    if not asset.heartbeat_seconds or asset.last_seen_at is None:
        return False
    age = ((now or clock()) - asset.last_seen_at).total_seconds()
    return age > asset.heartbeat_seconds


def last_seen(asset: s.Asset) -> Text:
    text = Text(ago(asset.last_seen_at))
    if heartbeat_overdue(asset):
        text = Text(f"{text.plain} LATE", style="bold red")
    return text


def overdue(mission: s.Mission) -> Text:
    finished = {s.MissionStatus.completed, s.MissionStatus.failed, s.MissionStatus.cancelled}
    late = (
        mission.due_at is not None and mission.due_at < clock() and mission.status not in finished
    )
    return Text(ago(mission.due_at) + (" LATE" if late else ""), style="bold red" if late else "")


#: operation id → code, for the rows that carry only the id (missions, intel). The app
#: fills it before its first screen and keeps it by the operation events (one TUI a process).
operation_codes: dict[int, str] = {}


def operation_code(operation_id: int | None) -> str:
    if operation_id is None:
        return "-"
    return operation_codes.get(operation_id, str(operation_id))


async def load_operation_codes(client: AsyncVtocClient) -> None:
    async for operation in client.operations.iterate(limit=500):
        operation_codes[operation.id] = operation.code


def note_operation_codes(batch: list[s.Event]) -> None:
    for event in batch:
        code = event.data.get("code")
        if event.entity == s.Entity.operation and event.entity_id is not None and code:
            operation_codes[event.entity_id] = str(code)


def hits(report: s.Intel) -> Text | str:
    """How often a flood-suppressed alert fired; blank for a report seen once."""
    if report.occurrences <= 1:
        return ""
    return Text(f"x{report.occurrences}", style="bold yellow")


def plain(value: str | Text, style: str = "") -> Text:
    """Text as the operator or Wazuh wrote it. Textual reads a ``str`` as markup, which drops
    "[root]" as a style and fails on "[/etc/passwd]" as a closing tag; control characters
    show as their escapes (``vtoc.terminal``)."""
    return value if isinstance(value, Text) else Text(printable(value), style=style)


def id_of(cell: Text) -> int:
    """The sort key of an ID cell: newest first is by number, not by text ("9" > "10")."""
    return int(cell.plain)


@dataclass(frozen=True)
class Column:
    """A list's column: ``width`` cells at 80 columns; up to ``wide`` where the terminal has
    room to spare (names that 80 columns cut show whole at 120); no width takes the rest."""

    label: str
    render: Callable[[Any], str | Text]
    width: int | None = None
    wide: int | None = None

    def cell(self, row: Any) -> Text:
        return plain(self.render(row))


#: turns what was typed into what the API takes (a code into an id, "+2h" into a time);
#: ``ValueError`` and ``VtocError`` are shown under the field
Reader = Callable[[AsyncVtocClient, str], Awaitable[Any]]


@dataclass(frozen=True)
class FormField:
    """One input of a create/edit form; ``choices`` makes it a select."""

    name: str
    label: str
    choices: Sequence[str] = ()
    kind: type = str
    create_only: bool = False
    required: bool = False
    read: Reader | None = None


async def reference(endpoint: AsyncRows[Any, Any], typed: str) -> int:
    """An id, or a code or name the server resolves (``OP-0006``, ``Hawk-02``)."""
    typed = typed.strip()
    number = s.id_in_text(typed)
    return number if number is not None else int((await endpoint.get(typed)).id)


async def operation_ref(client: AsyncVtocClient, typed: str) -> int:
    return await reference(client.operations, typed)


async def asset_refs(client: AsyncVtocClient, typed: str) -> list[int]:
    return [await reference(client.assets, part) for part in typed.split(",") if part.strip()]


async def moment(_: AsyncVtocClient, typed: str) -> str:
    return parse_when(typed).isoformat()


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    title: str
    entity: s.Entity
    columns: tuple[Column, ...]
    fields: tuple[FormField, ...] = ()
    #: keyword filters the list understands (events only update rows that could match)
    filters: tuple[str, ...] = ()
    writable: bool = True
    deletable: bool = True
    #: the server searches the list (``q``): ``/`` filters it
    searchable: bool = True
    #: the server's order of the list, as a key: the higher, the nearer the top
    order: Callable[[Any], Any] = field(default=lambda row: row.id)
    #: the rows' calls, for a resource the client has no ``AsyncRows`` for
    rows_of: Callable[[AsyncVtocClient], Any] | None = None

    def endpoint(self, client: AsyncVtocClient) -> AsyncRows[Any, Any]:
        if self.rows_of is not None:
            rows: AsyncRows[Any, Any] = self.rows_of(client)
            return rows
        resource: AsyncRows[Any, Any] = getattr(client, self.name)
        return resource


def choices(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(e.value for e in enum)


OPERATIONS = ResourceSpec(
    name="operations",
    title="Operations",
    entity=s.Entity.operation,
    columns=(
        Column("ID", lambda r: str(r.id), 4),
        Column("CODE", lambda r: r.code, 8),
        Column("NAME", lambda r: r.name, 18),
        Column("STATUS", lambda r: styled(r.status), 9),
        Column("PRIO", lambda r: styled(r.priority), 8),
        Column("COMMANDER", lambda r: r.commander or "-", 14),
    ),
    fields=(
        FormField("name", "Name", required=True),
        FormField("description", "Description"),
        FormField("status", "Status", choices(s.OperationStatus)),
        FormField("priority", "Priority", choices(s.Priority)),
        FormField("commander", "Commander"),
    ),
    filters=("status",),
)

MISSIONS = ResourceSpec(
    name="missions",
    title="Missions",
    entity=s.Entity.mission,
    columns=(
        Column("ID", lambda r: str(r.id), 5),
        Column("NAME", lambda r: r.name, 17, wide=30),
        Column("STATUS", lambda r: styled(r.status), 11),
        Column("PRIO", lambda r: styled(r.priority), 8),
        Column("OP", lambda r: operation_code(r.operation_id), 8),
        Column("DUE", overdue, 9),
        Column("ASSETS", lambda r: str(len(r.asset_ids)), 6),
    ),
    fields=(
        FormField(
            "operation_id",
            "Operation (code or id)",
            create_only=True,
            required=True,
            read=operation_ref,
        ),
        FormField("name", "Name", required=True),
        FormField("objective", "Objective"),
        FormField("status", "Status", choices(s.MissionStatus)),
        FormField("priority", "Priority", choices(s.Priority)),
        FormField("due_at", f"Due: {FORMS}", kind=datetime, read=moment),
        FormField(
            "asset_ids", "Assets (names or ids, comma-separated)", kind=list, read=asset_refs
        ),
    ),
    filters=("operation_id", "asset_id", "status"),
)

ASSETS = ResourceSpec(
    name="assets",
    title="Assets",
    entity=s.Entity.asset,
    columns=(
        Column("ID", lambda r: str(r.id), 5),
        Column("NAME", lambda r: r.name, 18),
        Column("KIND", lambda r: str(r.kind), 9),
        Column("STATUS", lambda r: styled(r.status), 11),
        Column("CALLSIGN", lambda r: r.callsign or "-", 10),
        Column("LAST SEEN", last_seen, 10),
    ),
    fields=(
        FormField("name", "Name", required=True),
        FormField("kind", "Kind", choices(s.AssetKind)),
        FormField("status", "Status", choices(s.AssetStatus)),
        FormField("callsign", "Callsign"),
        FormField("lat", "Latitude", kind=float),
        FormField("lon", "Longitude", kind=float),
        FormField("heartbeat_seconds", "Heartbeat (s)", kind=int),
    ),
    filters=("status", "kind"),
)

INTEL = ResourceSpec(
    name="intel",
    title="Intelligence",
    entity=s.Entity.intel,
    columns=(
        Column("ID", lambda r: str(r.id), 6),
        Column("SEV", lambda r: styled(r.severity), 8),
        Column("SEEN", lambda r: ago(r.last_seen_at), 5),
        Column("HITS", hits, 5),
        Column("SOURCE", lambda r: str(r.source), 6),
        Column("OP", lambda r: operation_code(r.operation_id), 8),
        Column("TITLE", lambda r: r.title),
    ),
    fields=(
        FormField("title", "Title", required=True),
        FormField("body", "Body"),
        FormField("severity", "Severity", choices(s.Severity)),
        FormField("confidence", "Confidence (0-100)", kind=int),
        FormField("tlp", "TLP", choices(s.TLP)),
        FormField("operation_id", "Operation (code or id)", kind=int, read=operation_ref),
    ),
    filters=("operation_id", "asset_id", "severity"),
    order=lambda row: (row.observed_at, row.id),  # most recently observed first
)


class Clusters:
    """The correlation calls in the shape of a resource's rows (a page, one row), so that the
    list and detail screens page and refresh clusters as any rows. The server does not
    search clusters: the list has no ``/``."""

    def __init__(self, client: AsyncVtocClient) -> None:
        self.client = client

    async def list(
        self, *, limit: int, cursor: str | None = None, q: str | None = None
    ) -> s.Page[s.Correlation]:
        return await self.client.correlations(limit=limit, cursor=cursor)

    async def get(self, ref: int) -> s.Correlation:
        return await self.client.correlation(ref)


def shared_values(cluster: s.Correlation) -> str:
    """The indicators that link a cluster's reports, values only (the detail has kinds)."""
    return ", ".join(indicator.value for indicator in cluster.indicators)


def escalated(cluster: s.Correlation) -> str:
    return "-" if cluster.summary_report_id is None else f"#{cluster.summary_report_id}"


CORRELATIONS = ResourceSpec(
    name="correlations",
    title="Correlations",
    entity=s.Entity.correlation,
    columns=(
        Column("ID", lambda r: str(r.id), 5),
        Column("SEV", lambda r: styled(r.severity), 8),
        Column("SIZE", lambda r: str(len(r.report_ids)), 4),
        Column("OP", lambda r: operation_code(r.operation_id), 8),
        Column("SEEN", lambda r: ago(r.last_seen_at), 5),
        Column("SUMMARY", escalated, 7),
        Column("SHARED INDICATORS", shared_values),
    ),
    writable=False,
    deletable=False,
    searchable=False,
    rows_of=Clusters,
)

SPECS: dict[str, ResourceSpec] = {spec.name: spec for spec in (OPERATIONS, MISSIONS, ASSETS, INTEL)}
