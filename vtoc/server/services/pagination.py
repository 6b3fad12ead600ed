"""Keyset pagination: newest first, an opaque cursor, never a whole table.

A list is ordered by id, or by a time and then the id (intel: when each report was
observed, the order an operator reads "what happened last" in). The cursor holds the last
row's key, and the next page starts below it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from vtoc.schemas import MAX_ROW_ID
from vtoc.server.errors import InvalidError

R = TypeVar("R")


def encode_cursor(last_id: int, at: datetime | None = None, time_key: str = "") -> str:
    """``id:N``, or with a time first ``observed_at:2026-12-06T10:00:00+00:00/N``."""
    text = f"id:{last_id}" if at is None else f"{time_key}:{at.isoformat()}/{last_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, time_key: str = "") -> tuple[datetime | None, int]:
    """The key a cursor ends at (the time, when the list has one, and the id); a 422 for any
    other, including an id no row can have (SQLite cannot even compare with one beyond 64
    bits) or a cursor of a list in another order."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        at: datetime | None = None
        if time_key:
            when, _, value = value.rpartition("/")
            at = datetime.fromisoformat(when)
            if at.tzinfo is None:
                raise ValueError(raw)
        last_id = int(value)
        if prefix != (time_key or "id") or not 0 < last_id <= MAX_ROW_ID:
            raise ValueError(raw)
        return at, last_id
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidError("cursor", "not a cursor this server handed out") from None


def below(
    cursor: str,
    id_column: Any,
    time_column: Any = None,
) -> ColumnElement[bool]:
    """The rows after ``cursor`` in the list's order (newest first)."""
    at, last_id = decode_cursor(cursor, time_column.key if time_column is not None else "")
    if time_column is None:
        return id_column < last_id  # type: ignore[no-any-return]
    return tuple_(time_column, id_column) < tuple_(
        literal(at, time_column.type), literal(last_id, id_column.type)
    )


def fetch_page(
    session: Session,
    stmt: Select[R],
    id_column: InstrumentedAttribute[int],
    *,
    limit: int,
    cursor: str | None,
    columns: bool = False,
    time_column: InstrumentedAttribute[datetime] | None = None,
) -> tuple[Sequence[R], str | None]:
    """Rows below the cursor, newest first (by ``time_column`` then id, or by id); a next
    cursor only when more rows exist.

    Walking the cursors visits every row that existed when the walk began exactly once,
    however many rows are inserted meanwhile (a new row lands above the walk, or, when it
    was observed earlier, at its place below it).
    With ``columns``, ``stmt`` selects columns (among them ``id`` and the time) and the page
    holds rows of them rather than ORM instances.
    """
    stmt = page_query(stmt, id_column, limit=limit, cursor=cursor, time_column=time_column)
    rows: Sequence[Any] = session.execute(stmt).all() if columns else session.scalars(stmt).all()
    return page_of(rows, limit=limit, time_column=time_column)


def page_query(
    stmt: Select[R],
    id_column: InstrumentedAttribute[int],
    *,
    limit: int,
    cursor: str | None,
    time_column: InstrumentedAttribute[datetime] | None = None,
) -> Select[R]:
    """``fetch_page``'s statement: one row more than the page, to know whether more exist."""
    if cursor:
        stmt = stmt.where(below(cursor, id_column, time_column))
    order = [id_column.desc()] if time_column is None else [time_column.desc(), id_column.desc()]
    return stmt.order_by(*order).limit(limit + 1)


def page_of(
    rows: Sequence[R],
    *,
    limit: int,
    time_column: InstrumentedAttribute[datetime] | None = None,
) -> tuple[Sequence[R], str | None]:
    """``page_query``'s rows as a page and the next cursor (None: no more rows)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last: Any = rows[-1]
    if time_column is None:
        return rows, encode_cursor(last.id)
    key = time_column.key
    return rows, encode_cursor(last.id, getattr(last, key), key)
