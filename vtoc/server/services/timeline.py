"""An operation's timeline: its journal entries and the events that concern it, as one list
in the order things happened.

Each source is read through its own (operation, time, id) index from the cursor on, a page
and one row of each; the pages are merged here. Items are ordered by (time, type, id), so
an entry and an event of the same instant keep one order on every page."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    Text,
    and_,
    cast,
    false,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from vtoc import schemas as s
from vtoc.schemas.event_lines import describe, one_line
from vtoc.server.db import on_postgres
from vtoc.server.errors import InvalidError
from vtoc.server.models import EventRow, JournalEntryRow, Mission, Operation, mission_assets

#: entities' API collections, for each item's link
COLLECTIONS: dict[str, str] = {
    s.Entity.operation: "operations",
    s.Entity.mission: "missions",
    s.Entity.asset: "assets",
    s.Entity.intel: "intel",
    s.Entity.task: "tasks",
    s.Entity.correlation: "correlations",
    s.Entity.agent: "agents",
    s.Entity.journal: "journal",
}
RANK = {s.TimelineType.entry: 0, s.TimelineType.event: 1}
TYPE_OF = {rank: kind for kind, rank in RANK.items()}


class Key(NamedTuple):
    at: datetime
    rank: int
    id: int


def encode_cursor(key: Key) -> str:
    raw = f"{key.at.isoformat()}|{key.rank}|{key.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, rank, row_id = raw.split("|")
        key = Key(datetime.fromisoformat(at), int(rank), int(row_id))
        if key.at.tzinfo is None or key.rank not in RANK.values() or not 0 < key.id < 2**63:
            raise ValueError(raw)
        return key
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidError("cursor", "not a cursor this server handed out") from None


def beyond(
    at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[int],
    rank: int,
    key: Key,
    ascending: bool,
) -> ColumnElement[bool]:
    """Rows of a source of ``rank`` whose (time, rank, id) comes after ``key``; the bare
    bound on time lets the index start at the key instead of filtering from its first row."""
    later = at > key.at if ascending else at < key.at
    from_key = at >= key.at if ascending else at <= key.at
    if rank == key.rank:
        tie: ColumnElement[bool] = row_id > key.id if ascending else row_id < key.id
    else:
        tie = true() if (rank > key.rank) == ascending else false()
    return and_(from_key, or_(later, and_(at == key.at, tie)))


def link(entity: str, entity_id: int | None) -> str | None:
    collection = COLLECTIONS.get(entity)
    return f"/api/v1/{collection}/{entity_id}" if collection and entity_id else None


def entry_item(row: Any) -> s.TimelineItem:
    lead = "correction: " if row.corrects else ""
    return s.TimelineItem(
        type=s.TimelineType.entry,
        id=row.id,
        at=row.at,
        actor=row.actor,
        kind=row.kind,
        summary=lead + one_line(row.text),
        entity=s.Entity.journal,
        entity_id=row.id,
        link=link(s.Entity.journal, row.id),
        text=row.text,
    )


def event_item(row: Any) -> s.TimelineItem:
    said = describe(row.kind, row.data or {})
    return s.TimelineItem(
        type=s.TimelineType.event,
        id=row.id,
        at=row.at,
        actor=row.actor,
        kind=row.kind,
        summary=one_line(f"{row.kind}: {row.entity} {row.entity_id or ''} {said}"),
        entity=row.entity,
        entity_id=row.entity_id,
        link=link(row.entity, row.entity_id),
        text=None,
    )


ITEM = {s.TimelineType.entry: entry_item, s.TimelineType.event: event_item}


def entry_columns() -> list[Any]:
    """An entry as a timeline row (the columns every source's rows share)."""
    j = JournalEntryRow
    return [
        j.occurred_at.label("at"),
        literal(RANK[s.TimelineType.entry], Integer).label("rank"),
        j.id,
        j.author.label("actor"),
        cast(j.kind, String).label("kind"),
        j.text,
        j.corrects,
        cast(null(), String).label("entity"),
        cast(null(), BigInteger).label("entity_id"),
        cast(null(), JSON).label("data"),
    ]


def event_columns() -> list[Any]:
    """An event as a timeline row."""
    e = EventRow
    return [
        e.ts.label("at"),
        literal(RANK[s.TimelineType.event], Integer).label("rank"),
        e.id,
        e.actor,
        e.kind,
        cast(null(), Text).label("text"),
        cast(null(), BigInteger).label("corrects"),
        e.entity,
        e.entity_id,
        e.data,
    ]


class Source(NamedTuple):
    type: s.TimelineType
    #: the source's rows: several statements (one per asset) are each read in order
    stmts: list[Select[Any]]
    #: the source's time, id and actor columns (typed Any: mypy reads them as values here)
    at: Any
    id: Any
    actor: Any
    #: rows whose statement reads one of these (the assets), each through a LATERAL join
    over: Subquery | None = None


def sources(session: Session, operation: Operation) -> list[Source]:
    """Each source is read through an index in (time, id) order: the entries', the
    operation's events', and each asset's of its missions (their events have no operation:
    ``ix_events_unassigned_entity_ts`` holds each asset's in order). PostgreSQL reads the
    assets' ids in the page's statement (LATERAL); SQLite, in-process, reads them first."""
    entries = select(*entry_columns()).where(JournalEntryRow.operation_id == operation.id)
    not_journal = ~EventRow.kind.startswith("journal.", autoescape=True)
    own = select(*event_columns()).where(EventRow.operation_id == operation.id, not_journal)
    assets = (
        select(mission_assets.c.asset_id)
        .join(Mission, Mission.id == mission_assets.c.mission_id)
        .where(Mission.operation_id == operation.id)
        .distinct()
    )
    of_asset = select(*event_columns()).where(
        EventRow.entity == s.Entity.asset, EventRow.operation_id.is_(None)
    )
    entry, event = s.TimelineType.entry, s.TimelineType.event
    j, e = JournalEntryRow, EventRow
    found = [
        Source(entry, [entries], j.occurred_at, j.id, j.author),
        Source(event, [own], e.ts, e.id, e.actor),
    ]
    if on_postgres(session):
        over = assets.subquery()
        stmt = of_asset.where(EventRow.entity_id == over.c.asset_id)
        found.append(Source(event, [stmt], e.ts, e.id, e.actor, over))
    elif asset_ids := sorted(session.scalars(assets)):
        each = [of_asset.where(EventRow.entity_id == asset_id) for asset_id in asset_ids]
        found.append(Source(event, each, e.ts, e.id, e.actor))
    return found


def heads(
    source: Source,
    conditions: list[ColumnElement[bool]],
    ascending: bool,
    limit: int,
    bare: bool,
) -> Iterator[Select[Any]]:
    """The first ``limit`` rows of each of the source's statements, through its index;
    ``bare``: as they are (PostgreSQL parenthesizes a limited member of a union), else each
    wrapped in a subquery (SQLite allows no parentheses there)."""
    order = (source.at, source.id) if ascending else (source.at.desc(), source.id.desc())
    for stmt in source.stmts:
        head = stmt.where(*conditions).order_by(*order).limit(limit)
        if source.over is not None:
            lateral = head.lateral()
            yield select(*lateral.c).select_from(source.over).join(lateral, true())
        else:
            yield head if bare else select(*head.subquery().c)


def page(
    session: Session, operation: Operation, query: s.TimelineQuery
) -> tuple[list[s.TimelineItem], str | None]:
    """One page of the timeline from the cursor on, in one statement: the first rows of
    each source from the cursor on, merged; a next cursor when more items exist."""
    ascending = query.order is s.EventOrder.asc
    after = decode_cursor(query.cursor) if query.cursor else None
    postgres = on_postgres(session)
    parts: list[Select[Any]] = []
    for source in sources(session, operation):
        if query.types and source.type not in query.types:
            continue
        rank = RANK[source.type]
        conditions: list[ColumnElement[bool]] = []
        if after is not None:
            conditions.append(beyond(source.at, source.id, rank, after, ascending))
        if query.since is not None:
            conditions.append(source.at >= query.since)
        if query.until is not None:
            conditions.append(source.at < query.until)
        if query.author is not None:
            conditions.append(source.actor == query.author)
        parts.extend(heads(source, conditions, ascending, query.limit + 1, postgres))
    by: list[ColumnElement[Any]] = [literal_column(name) for name in ("at", "rank", "id")]
    # a union of one select would be that select, with its ORDER BY and LIMIT twice
    whole = union_all(*parts) if len(parts) > 1 else select(*parts[0].subquery().c)
    merged = whole.order_by(*(by if ascending else [c.desc() for c in by]))
    rows = session.execute(merged.limit(query.limit + 1)).all()
    items = [ITEM[TYPE_OF[row.rank]](row) for row in rows[: query.limit]]
    if len(rows) <= query.limit:
        return items, None
    last = rows[query.limit - 1]
    return items, encode_cursor(Key(last.at, last.rank, last.id))


def every(
    session: Session, operation: Operation, query: s.TimelineQuery
) -> Iterator[s.TimelineItem]:
    """Every item from the cursor on, page by page (the exports)."""
    query = query.model_copy(update={"limit": 500})
    while True:
        items, cursor = page(session, operation, query)
        yield from items
        if cursor is None:
            return
        query = query.model_copy(update={"cursor": cursor})
