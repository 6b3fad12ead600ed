"""Many rows into one table fast: COPY on PostgreSQL (psycopg2), executemany elsewhere.

A multi-row INSERT on PostgreSQL spends most of its time parsing parameters; COPY streams
the same rows several times faster. Ids that callers need back are drawn from the table's
sequence first, so the COPY can carry them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

NULL = "\\N"


class Unrepresentable(ValueError):
    """A text equal to the NULL marker: those rows take the INSERT path instead."""


def csv_field(value: Any) -> Any:
    """A value as COPY's CSV reads it; datetimes, enums, numbers print themselves."""
    if value is None:
        return NULL
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if value == NULL:
        raise Unrepresentable
    return value


def csv_rows(rows: list[dict[str, Any]]) -> io.StringIO | None:
    buffer = io.StringIO()
    try:
        csv.writer(buffer, lineterminator="\n").writerows(
            [csv_field(v) for v in row.values()] for row in rows
        )
    except Unrepresentable:
        return None
    buffer.seek(0)
    return buffer


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
        rows = [{"id": new_id, **row} for row, new_id in zip(rows, ids, strict=True)]
    buffer = csv_rows(rows)
    if buffer is None:
        session.execute(insert(table), rows)
        return ids
    cursor: Any = connection.connection.cursor()  # psycopg2's, which has copy_expert
    try:
        cursor.copy_expert(
            f"COPY {table.name} ({', '.join(rows[0])}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')",
            buffer,
        )
    finally:
        cursor.close()
    return ids
