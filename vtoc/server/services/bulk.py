"""Many rows into one table fast: COPY on PostgreSQL (psycopg2), executemany elsewhere.

A multi-row INSERT on PostgreSQL spends most of its time parsing parameters; COPY streams
the same rows several times faster. Ids that callers need back are drawn from the table's
sequence first, so the COPY can carry them.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.orm import Session

NULL = "\\N"


def csv_rows(table: Table, rows: list[dict[str, Any]]) -> io.StringIO | None:
    """The rows in COPY's CSV format, or None when a text equals the NULL marker (those
    take the INSERT path). Datetimes, enums and numbers print themselves."""
    json_at = [i for i, name in enumerate(rows[0]) if isinstance(table.c[name].type, JSON)]
    lines = []
    for row in rows:
        values = list(row.values())
        if NULL in values:
            return None
        for i, value in enumerate(values):
            if value is None:
                values[i] = NULL
        for i in json_at:
            if values[i] is not NULL:
                values[i] = orjson.dumps(values[i]).decode()
        lines.append(values)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
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
    buffer = csv_rows(table, rows)
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
