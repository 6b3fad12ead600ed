"""An operation's timeline: its journal entries and the events that concern it, as one list
in the order things happened.

Each source is read through its own (operation, time, id) index from the cursor on, a page
and one row of each; the pages are merged here. Items are ordered by (time, type, id), so
an entry and an event of the same instant keep one order on every page."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import lru_cache
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
    bindparam,
    cast,
    exists,
    false,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import BindParameter, CompoundSelect

from vtoc import schemas as s
from vtoc.schemas.event_lines import describe, one_line
from vtoc.server.async_reads import AsyncReads, NotPrepared, json_value
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


def beyond(at: Any, row_id: Any, rank: int, after: int, ascending: bool) -> ColumnElement[bool]:
    """Rows of a source of ``rank`` whose (time, rank, id) comes after the cursor's: its
    ``after`` rank, its time and id the values ``key_at`` and ``key_id``. The bare bound on
    time lets the index start at the key instead of filtering from its first row."""
    key_at: BindParameter[datetime] = bindparam("key_at")
    later = at > key_at if ascending else at < key_at
    from_key = at >= key_at if ascending else at <= key_at
    if rank == after:
        key_id: BindParameter[int] = bindparam("key_id")
        tie: ColumnElement[bool] = row_id > key_id if ascending else row_id < key_id
    else:
        tie = true() if (rank > after) == ascending else false()
    return and_(from_key, or_(later, and_(at == key_at, tie)))


def link(entity: str, entity_id: int | None) -> str | None:
    collection = COLLECTIONS.get(entity)
    return f"/api/v1/{collection}/{entity_id}" if collection and entity_id else None


def entry_item(row: Any) -> s.TimelineItem:
    lead = "correction: " if row["corrects"] else ""
    return s.TimelineItem(
        type=s.TimelineType.entry,
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        kind=row["kind"],
        summary=lead + one_line(row["text"]),
        entity=s.Entity.journal,
        entity_id=row["id"],
        link=link(s.Entity.journal, row["id"]),
        text=row["text"],
    )


def event_item(row: Any) -> s.TimelineItem:
    said = describe(row["kind"], json_value(row["data"]) or {})
    return s.TimelineItem(
        type=s.TimelineType.event,
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        kind=row["kind"],
        summary=one_line(f"{row['kind']}: {row['entity']} {row['entity_id'] or ''} {said}"),
        entity=row["entity"],
        entity_id=row["entity_id"],
        link=link(row["entity"], row["entity_id"]),
        text=None,
    )


ITEM = {s.TimelineType.entry: entry_item, s.TimelineType.event: event_item}


#: the columns every source's rows share, in the UNION's order, and the type of the NULL a
#: source reads for one it has not (None: every source has it)
SHARED: dict[str, Any] = {
    "at": None,
    "rank": None,
    "id": None,
    "actor": None,
    "kind": None,
    "text": Text,
    "corrects": BigInteger,
    "entity": String,
    "entity_id": BigInteger,
    "data": JSON,
}


def shared_columns(type_: s.TimelineType, **columns: Any) -> list[Any]:
    """A source's columns as timeline rows: each under its name (a column already named so
    is left as it is), its type's rank, and a typed NULL for each it has not."""
    columns["rank"] = literal(RANK[type_], Integer)
    shared = []
    for name, empty in SHARED.items():
        column = columns[name] if name in columns else cast(null(), empty)
        shared.append(column if getattr(column, "key", None) == name else column.label(name))
    return shared


def entry_columns() -> list[Any]:
    """An entry as a timeline row."""
    j = JournalEntryRow
    return shared_columns(
        s.TimelineType.entry,
        at=j.occurred_at,
        id=j.id,
        actor=j.author,
        kind=cast(j.kind, String),
        text=j.text,
        corrects=j.corrects,
    )


def event_columns() -> list[Any]:
    """An event as a timeline row."""
    e = EventRow
    return shared_columns(
        s.TimelineType.event,
        at=e.ts,
        id=e.id,
        actor=e.actor,
        kind=e.kind,
        entity=e.entity,
        entity_id=e.entity_id,
        data=e.data,
    )


class Source(NamedTuple):
    type: s.TimelineType
    #: the source's rows
    stmt: Select[Any]
    #: the source's time, id and actor columns (typed Any: mypy reads them as values here)
    at: Any
    id: Any
    actor: Any
    #: rows whose statement reads one of these (the assets), each through a LATERAL join
    over: Subquery | None = None


class Shape(NamedTuple):
    """What makes one page's statement differ from another's SQL (its values aside)."""

    postgres: bool
    ascending: bool
    types: tuple[s.TimelineType, ...]
    #: the cursor's rank, when there is a cursor
    after: int | None
    since: bool
    until: bool
    author: bool


def sources(postgres: bool) -> list[Source]:
    """Each source is read through an index in (time, id) order: the entries', the
    operation's events', and its missions' assets' (their events have no operation:
    ``ix_events_unassigned_entity_ts`` holds each asset's in order). PostgreSQL reads each
    asset's events from that index through a LATERAL join; SQLite, which has no LATERAL,
    reads them all at once (correct, not fast)."""
    operation_id = bindparam("operation_id", type_=BigInteger)
    entries = select(*entry_columns()).where(JournalEntryRow.operation_id == operation_id)
    not_journal = ~EventRow.kind.startswith("journal.", autoescape=True)
    own = select(*event_columns()).where(EventRow.operation_id == operation_id, not_journal)
    assets = (
        select(mission_assets.c.asset_id)
        .join(Mission, Mission.id == mission_assets.c.mission_id)
        .where(Mission.operation_id == operation_id)
        .distinct()
    )
    of_asset = select(*event_columns()).where(
        EventRow.entity == s.Entity.asset, EventRow.operation_id.is_(None)
    )
    entry, event = s.TimelineType.entry, s.TimelineType.event
    j, e = JournalEntryRow, EventRow
    found = [
        Source(entry, entries, j.occurred_at, j.id, j.author),
        Source(event, own, e.ts, e.id, e.actor),
    ]
    if postgres:
        over = assets.subquery()
        stmt = of_asset.where(EventRow.entity_id == over.c.asset_id)
        found.append(Source(event, stmt, e.ts, e.id, e.actor, over))
    else:
        stmt = of_asset.where(EventRow.entity_id.in_(assets))
        found.append(Source(event, stmt, e.ts, e.id, e.actor))
    return found


def head(
    source: Source, conditions: list[ColumnElement[bool]], shape: Shape, limit: Any
) -> Select[Any]:
    """The source's first ``limit`` rows, through its index; as they are on PostgreSQL
    (which parenthesizes a limited member of a union), else wrapped in a subquery (SQLite
    allows no parentheses there)."""
    at, row_id = source.at, source.id
    order = (at, row_id) if shape.ascending else (at.desc(), row_id.desc())
    first = source.stmt.where(*conditions).order_by(*order).limit(limit)
    if source.over is not None:
        lateral = first.lateral()
        return select(*lateral.c).select_from(source.over).join(lateral, true())
    return first if shape.postgres else select(*first.subquery().c)


@lru_cache(maxsize=256)
def statement(shape: Shape) -> Select[Any] | CompoundSelect[Any]:
    """A page's statement, built once per shape with its values as named parameters
    (``values``): building and keying it per request cost more CPU than the rest of the
    page. The first rows of each source from the cursor on, merged."""
    limit = bindparam("limit", type_=Integer)
    # no rows once the operation is gone (its events and entries outlive it): an empty
    # page asks whether it exists, a full one need not (``page_async``)
    operation = exists().where(Operation.id == bindparam("operation_id", type_=BigInteger))
    parts: list[Select[Any]] = []
    for source in sources(shape.postgres):
        if shape.types and source.type not in shape.types:
            continue
        conditions: list[ColumnElement[bool]] = [operation]
        if shape.after is not None:
            rank = RANK[source.type]
            conditions.append(beyond(source.at, source.id, rank, shape.after, shape.ascending))
        if shape.since:
            conditions.append(source.at >= bindparam("since"))
        if shape.until:
            conditions.append(source.at < bindparam("until"))
        if shape.author:
            conditions.append(source.actor == bindparam("author"))
        parts.append(head(source, conditions, shape, limit))
    by: list[ColumnElement[Any]] = [literal_column(name) for name in ("at", "rank", "id")]
    # a union of one select would be that select, with its ORDER BY and LIMIT twice
    whole = union_all(*parts) if len(parts) > 1 else select(*parts[0].subquery().c)
    return whole.order_by(*(by if shape.ascending else [c.desc() for c in by])).limit(limit)


def prepared(
    postgres: bool, operation_id: int, query: s.TimelineQuery
) -> tuple[Select[Any] | CompoundSelect[Any], dict[str, Any]]:
    """The page's statement and its values."""
    after = decode_cursor(query.cursor) if query.cursor else None
    shape = Shape(
        postgres=postgres,
        ascending=query.order is s.EventOrder.asc,
        types=tuple(sorted(set(query.types))),
        after=None if after is None else after.rank,
        since=query.since is not None,
        until=query.until is not None,
        author=query.author is not None,
    )
    values: dict[str, Any] = {"operation_id": operation_id, "limit": query.limit + 1}
    if after is not None:
        values |= {"key_at": after.at, "key_id": after.id}
    named = {"since": query.since, "until": query.until, "author": query.author}
    values |= {name: value for name, value in named.items() if value is not None}
    return statement(shape), values


def page_of(rows: Sequence[Any], query: s.TimelineQuery) -> tuple[list[s.TimelineItem], str | None]:
    """The page's items from its rows (read by name: SQLAlchemy's mappings or asyncpg's
    records), and a next cursor when more items exist."""
    items = [ITEM[TYPE_OF[row["rank"]]](row) for row in rows[: query.limit]]
    if len(rows) <= query.limit:
        return items, None
    last = rows[query.limit - 1]
    return items, encode_cursor(Key(last["at"], last["rank"], last["id"]))


def page(
    session: Session, operation: Operation, query: s.TimelineQuery
) -> tuple[list[s.TimelineItem], str | None]:
    """One page of the timeline from the cursor on, in one statement."""
    stmt, values = prepared(on_postgres(session), operation.id, query)
    return page_of(session.execute(stmt, values).mappings().all(), query)


#: whether an operation exists, by id (``page_async``)
EXISTS = select(Operation.id).where(Operation.id == bindparam("row_id"))


async def page_async(
    reads: AsyncReads, operation_id: int, query: s.TimelineQuery
) -> tuple[list[s.TimelineItem], str | None] | None:
    """``page`` through asyncpg on the event loop (``async_reads``), on PostgreSQL, for an
    operation by id, in one round trip unless the page is empty; None: take the synchronous
    path (no operation has that id: the reference may still be a name, or the answer a 404;
    or a cursor to refuse, after that 404)."""
    try:
        stmt, values = prepared(True, operation_id, query)
    except InvalidError:
        return None
    rows = await reads.fetch(stmt, values)
    if isinstance(rows, NotPrepared):
        return None
    if not rows and await reads.fetchrow(EXISTS, {"row_id": operation_id}) is None:
        return None
    return page_of(rows, query)


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
