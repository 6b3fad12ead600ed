"""Rows out of PostgreSQL by binary COPY, straight into numpy: rows of fixed width need no
parsing at all, where psycopg2 builds a Python tuple a row (a day's track is 86,400)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.engine import Connection

#: COPY's binary format: the header (signature, flags, extension length), the trailer
COPY_HEADER = 19
COPY_TRAILER = 2


def copy_row(*fields: tuple[str, str]) -> np.dtype[np.void]:
    """A binary COPY row of non-null fields (name, big-endian numpy type): the field
    count, then each field's length and value. A ``timestamptz`` is ``>i8``, microseconds
    since 2000-01-01 UTC."""
    layout = [("fields", ">i2")]
    for name, kind in fields:
        layout += [(f"{name}_size", ">i4"), (name, kind)]
    return np.dtype(layout)


def copied(
    connection: Connection, query: str, params: tuple[Any, ...], row: np.dtype[np.void]
) -> NDArray[np.void]:
    """The rows of ``query`` (psycopg2 placeholders, every field non-null) as ``row``s."""
    buffer = io.BytesIO()
    cursor: Any = connection.connection.cursor()  # psycopg2's, which has copy_expert
    try:
        statement = f"COPY ({query}) TO STDOUT WITH (FORMAT binary)"
        cursor.copy_expert(cursor.mogrify(statement, params), buffer)
    finally:
        cursor.close()
    data = buffer.getbuffer()
    return np.frombuffer(data[COPY_HEADER : len(data) - COPY_TRAILER], dtype=row)
