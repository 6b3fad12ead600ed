"""Keyset pagination: newest first by id, an opaque cursor, never a whole table."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vtoc.schemas import MAX_ROW_ID
from vtoc.server.errors import InvalidError

R = TypeVar("R")


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor ends at; a 422 for any other, including an id no row can have (SQLite
    cannot even compare with one beyond 64 bits)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        last_id = int(value)
        if prefix != "id" or not 0 < last_id <= MAX_ROW_ID:
            raise ValueError(raw)
        return last_id
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidError("cursor", "not a cursor this server handed out") from None


def fetch_page(
    session: Session,
    stmt: Select[R],
    id_column: InstrumentedAttribute[int],
    *,
    limit: int,
    cursor: str | None,
    columns: bool = False,
) -> tuple[Sequence[R], str | None]:
    """Rows below the cursor, newest first; a next cursor only when more rows exist.

    Walking the cursors visits every row that existed when the walk began exactly once,
    however many rows are inserted meanwhile (they get larger ids, above the walk).
    With ``columns``, ``stmt`` selects columns (one of them ``id``) and the page holds rows
    of them rather than ORM instances.
    """
    if cursor:
        stmt = stmt.where(id_column < decode_cursor(cursor))
    stmt = stmt.order_by(id_column.desc()).limit(limit + 1)
    rows: Sequence[Any] = session.execute(stmt).all() if columns else session.scalars(stmt).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last: Any = rows[-1]
    return rows, encode_cursor(last.id)
