"""Many rows into one table fast: COPY on PostgreSQL (psycopg2), executemany elsewhere.

A multi-row INSERT on PostgreSQL spends most of its time parsing parameters; COPY streams
the same rows several times faster. Ids that callers need back are drawn from the table's
sequence first, so the COPY can carry them.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """One field in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, int | datetime):  # nothing to escape in these
        return value.isoformat() if isinstance(value, datetime) else str(value)
    if isinstance(value, dict | list):
        out = json.dumps(value, separators=(",", ":"))
    elif isinstance(value, Enum):
        out = str(value.value)
    else:
        out = str(value)
    return out.translate(_ESCAPES)


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
        rows = [row | {"id": new_id} for row, new_id in zip(rows, ids, strict=True)]
    columns = list(rows[0])
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(copy_text(row[c]) for c in columns))
        buffer.write("\n")
    buffer.seek(0)
    cursor: Any = connection.connection.cursor()  # psycopg2's, which has copy_expert
    try:
        cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN", buffer)
    finally:
        cursor.close()
    return ids
