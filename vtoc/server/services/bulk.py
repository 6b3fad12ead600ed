"""Many rows into one table fast: COPY on PostgreSQL (psycopg2), executemany elsewhere.

A multi-row INSERT on PostgreSQL spends most of its time parsing parameters; COPY streams
the same rows several times faster. Ids that callers need back are drawn from the table's
sequence first, so the COPY can carry them. The rows go in COPY's text format: escaping a
value there is four substring tests, where CSV quoting rescans every long JSON text.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Column, DateTime, Integer, Table, TypeDecorator, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

NULL = "\\N"


def escaped(value: str) -> str:
    """``value`` as a field of COPY's text format (backslash escapes; no quoting)."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value:
        value = value.replace("\t", "\\t")
    if "\n" in value:
        value = value.replace("\n", "\\n")
    if "\r" in value:
        value = value.replace("\r", "\\r")
    return value


def text_field(value: Any) -> str:
    """One value in COPY's text format; enums are ``str`` and print as their values."""
    if value is None:
        return NULL
    if isinstance(value, str):
        return escaped(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def json_field(value: Any) -> str:
    return NULL if value is None else escaped(orjson.dumps(value).decode())


def holds_datetimes(kind: TypeEngine[Any]) -> bool:
    return isinstance(kind.impl if isinstance(kind, TypeDecorator) else kind, DateTime)


def field_for(column: Column[Any], stamp_field: Callable[[Any], str]) -> Callable[[Any], str]:
    """The converter of a column's values: ``str`` itself, run in C, for a whole number
    that cannot be NULL (and ``text_field`` there would only word a wrong value's error
    differently)."""
    kind = column.type
    if isinstance(kind, JSON):
        return json_field
    if holds_datetimes(kind):
        return stamp_field
    if isinstance(kind, Integer) and not column.nullable:
        return str
    return text_field


def copy_text(table: Table, rows: list[dict[str, Any]], ids: Sequence[int] = ()) -> io.StringIO:
    """The rows (all with the keys of the first) as COPY text-format data; with ``ids``,
    an ``id`` column first (a column of its own, not a copy of every row with its id)."""
    # A batch repeats its timestamps (``now`` in every row, a report's ``observed_at`` as
    # its ``last_seen_at``), and ``isoformat`` is the dearest conversion of a row: each
    # datetime object is converted once. Keys are ids: the rows keep every value alive.
    stamps: dict[int, str] = {}

    def stamp_field(value: Any) -> str:
        text = stamps.get(id(value))
        if text is None:
            text = stamps[id(value)] = text_field(value)
        return text

    # Column by column, with ``map``: the loops run in C, only the converters in Python.
    columns = [
        map(field_for(table.c[name], stamp_field), map(itemgetter(name), rows)) for name in rows[0]
    ]
    if ids:
        columns.insert(0, map(str, ids))
    lines = list(map("\t".join, zip(*columns, strict=True)))
    lines.append("")
    return io.StringIO("\n".join(lines))


def insert_rows(
    session: Session, table: Table, rows: list[dict[str, Any]], *, with_ids: bool = False
) -> list[int]:
    """Insert ``rows`` (all with the same keys); with ``with_ids``, their new ids in order."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.driver != "psycopg2":
        if not with_ids:
            session.execute(insert(table), rows)
            return []
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(stmt, rows).scalars())
    ids: list[int] = []
    if with_ids:
        ids = list(
            session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": len(rows)},
            ).scalars()
        )
    names = ["id", *rows[0]] if ids else list(rows[0])
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor: Any = connection.connection.cursor()  # psycopg2's, which has copy_expert
    try:
        cursor.copy_expert(statement, copy_text(table, rows, ids))
    except dbapi_error as exc:
        # What SQLAlchemy would raise for the same error from ``execute``: callers (and the
        # API's handlers) know ``IntegrityError`` and the rest, not psycopg2's classes.
        raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc
    finally:
        cursor.close()
    return ids
