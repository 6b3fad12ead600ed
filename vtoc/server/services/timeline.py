"""An operation's timeline: its journal entries and the events that concern it, as one list
in the order things happened.

Each source is read through its own (operation, time, id) index from the cursor on, a page
and one row of each; the pages are merged here. Items are ordered by (time, type, id), so
an entry and an event of the same instant keep one order on every page."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from vtoc import schemas as s
from vtoc.schemas.event_lines import describe, one_line
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
        at=row.occurred_at,
        actor=row.author,
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
        at=row.ts,
        actor=row.actor,
        kind=row.kind,
        summary=one_line(f"{row.kind}: {row.entity} {row.entity_id or ''} {said}"),
        entity=row.entity,
        entity_id=row.entity_id,
        link=link(row.entity, row.entity_id),
        text=None,
    )


class Source(NamedTuple):
    type: s.TimelineType
    #: the source's rows; several statements (one per asset) are read as one union
    stmts: list[Select[Any]]
    #: the source's time, id and actor columns (typed Any: mypy reads them as values here)
    at: Any
    id: Any
    actor: Any
    item: Callable[[Any], s.TimelineItem]


def sources(session: Session, operation: Operation) -> list[Source]:
    """Each source is read through an index in (time, id) order: the entries', the
    operation's events', and one per asset of its missions (their events have no
    operation, so ``ix_events_unassigned_entity_ts`` holds each asset's in order)."""
    entries = select(JournalEntryRow).where(JournalEntryRow.operation_id == operation.id)
    not_journal = ~EventRow.kind.startswith("journal.", autoescape=True)
    own = select(EventRow).where(EventRow.operation_id == operation.id, not_journal)
    asset_ids = session.scalars(
        select(mission_assets.c.asset_id)
        .join(Mission, Mission.id == mission_assets.c.mission_id)
        .where(Mission.operation_id == operation.id)
        .distinct()
    ).all()
    of_each_asset = [
        select(EventRow).where(
            EventRow.entity == s.Entity.asset,
            EventRow.entity_id == asset_id,
            EventRow.operation_id.is_(None),
        )
        for asset_id in sorted(asset_ids)
    ]
    entry, event = s.TimelineType.entry, s.TimelineType.event
    j, e = JournalEntryRow, EventRow
    found = [
        Source(entry, [entries], j.occurred_at, j.id, j.author, entry_item),
        Source(event, [own], e.ts, e.id, e.actor, event_item),
    ]
    if of_each_asset:
        found.append(Source(event, of_each_asset, e.ts, e.id, e.actor, event_item))
    return found


def first_rows(
    session: Session, source: Source, stmts: list[Select[Any]], ascending: bool, limit: int
) -> list[Any]:
    """The first ``limit`` rows of the source's statements in (time, id) order: each
    statement takes its own first ``limit`` through its index, the union the first of all."""
    order = (source.at, source.id) if ascending else (source.at.desc(), source.id.desc())
    heads = [stmt.order_by(*order).limit(limit) for stmt in stmts]
    if len(heads) == 1:
        return list(session.scalars(heads[0]))
    union = union_all(*(select(head.subquery()) for head in heads)).subquery()
    row = aliased(EventRow, union)
    merged = (row.ts, row.id) if ascending else (row.ts.desc(), row.id.desc())
    return list(session.scalars(select(row).order_by(*merged).limit(limit)))


def page(
    session: Session, operation: Operation, query: s.TimelineQuery
) -> tuple[list[s.TimelineItem], str | None]:
    """One page of the timeline from the cursor on; a next cursor when more items exist."""
    ascending = query.order is s.EventOrder.asc
    after = decode_cursor(query.cursor) if query.cursor else None
    found: list[tuple[Key, s.TimelineItem]] = []
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
        stmts = [stmt.where(*conditions) for stmt in source.stmts]
        for row in first_rows(session, source, stmts, ascending, query.limit + 1):
            item = source.item(row)
            found.append((Key(item.at, rank, item.id), item))
    found.sort(key=lambda pair: pair[0], reverse=not ascending)
    if len(found) <= query.limit:
        return [item for _, item in found], None
    kept = found[: query.limit]
    return [item for _, item in kept], encode_cursor(kept[-1][0])


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
