"""Intel reports rendered to JSON by PostgreSQL, for the two hottest reads (list and show).

Building a page of 50 reports in Python (rows, indicator rows, then pydantic's validation
and serialization) cost ~1.4 ms of the server's CPU more than letting PostgreSQL build the
same JSON, which costs it ~0.5 ms more (docs/benchmarks.md, 2026-11-25). The answer is the
``Intel`` model's JSON, field for field: the same keys, enum values and timestamps as
pydantic writes them (UTC, ``Z``, microseconds only when there are any). SQLite keeps the
Python path; ``tests/server/test_intel_json.py`` compares the two on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, inspect, literal_column, select
from sqlalchemy.orm import Session, aliased

from vtoc import schemas as s
from vtoc.server.models import IntelReport
from vtoc.server.services.pagination import below, encode_cursor

#: a report's mapped attributes, not its table's columns: an ORM select, so that it gets an
#: operation scope's criteria (``vtoc.server.scopes``)
COLUMNS = tuple(getattr(IntelReport, c.key) for c in inspect(IntelReport).column_attrs)

SECONDS = 'YYYY-MM-DD"T"HH24:MI:SS'

#: a report's indicators in the order they were found, as ``Indicator`` objects
INDICATORS = (
    "coalesce((SELECT json_agg(json_build_object('kind', i.kind, 'value', i.value) "
    "ORDER BY i.id) FROM indicators i WHERE i.report_id = r.id), '[]'::json)"
)


def timestamp(column: str) -> str:
    """A timestamptz as pydantic writes an aware UTC datetime."""
    utc = f"timezone('UTC', {column})"
    return (
        f"CASE WHEN date_trunc('second', {column}) = {column} "
        f"THEN to_char({utc}, '{SECONDS}\"Z\"') ELSE to_char({utc}, '{SECONDS}.US\"Z\"') END"
    )


def report_object(*, raw: bool = True) -> str:
    """One report (a row ``r`` of intel_reports) as a JSON object, keys in the ``Intel``
    model's order; ``raw`` null unless asked for."""
    pairs = []
    for name, info in s.Intel.model_fields.items():
        if name == "raw" and not raw:
            value = "NULL"
        elif name == "indicators":
            value = INDICATORS
        elif info.annotation is datetime:
            value = timestamp(f"r.{name}")
        else:
            value = f"r.{name}"
        pairs.append(f"'{name}', {value}")
    return f"json_build_object({', '.join(pairs)})"


# Written once as SQL: SQLAlchemy would rebuild and hash an expression this large on every
# request, which costs about what rendering the page in Python does.
def items(*, raw: bool) -> ColumnElement[str]:
    return literal_column(
        f"coalesce(json_agg({report_object(raw=raw)} ORDER BY r.observed_at DESC, r.id DESC) "
        "FILTER (WHERE r.on_page), '[]'::json)::text"
    )


ITEMS = {raw: items(raw=raw) for raw in (False, True)}
#: the key of the page's last (oldest) report, where the next page starts
LAST = "(array_agg({} ORDER BY r.observed_at, r.id) FILTER (WHERE r.on_page))[1]"
LAST_AT: ColumnElement[datetime] = literal_column(LAST.format("r.observed_at"))
LAST_ID: ColumnElement[int] = literal_column(LAST.format("r.id"))
REPORT: ColumnElement[str] = literal_column(f"{report_object()}::text")


#: reports as the SQL above names them (``r``), mapped: an operation scope's criteria apply
R = aliased(IntelReport, name="r")
#: the report as the show route answers it, one row of JSON text and the version (its ETag),
#: none when missing; built once, its id bound per request (``{"report_id": ...}``)
SHOW = select(REPORT, R.version).where(R.id == bindparam("report_id"))


def show(session: Session, report_id: int) -> tuple[bytes, int] | None:
    """The report as the show route answers it and its version, or None when there is none."""
    found = session.execute(SHOW, {"report_id": report_id}).first()
    return None if found is None else (found[0].encode(), found[1])


#: a page's one row: its items as JSON text, how many rows matched (up to limit + 1), and the
#: last item's time and id (the next cursor)
PageSelect = Select[str, int, datetime, int]


def page_statement(query: Any, *, limit: int, cursor: str | None, raw: bool) -> PageSelect:
    """A page as the list route answers it, in one statement: the filtered rows most recently
    observed first, how many there were (``limit + 1`` means more exist) and the last one's
    key (``pagination.fetch_page``'s work)."""
    order = (IntelReport.observed_at.desc(), IntelReport.id.desc())
    rows = query.with_only_columns(
        *COLUMNS,
        (func.row_number().over(order_by=order) <= limit).label("on_page"),
    )
    if cursor:
        rows = rows.where(below(cursor, IntelReport.id, IntelReport.observed_at))
    r = rows.order_by(*order).limit(limit + 1).subquery("r")
    return select(ITEMS[raw], func.count(), LAST_AT, LAST_ID).select_from(r)


def page_body(found: Sequence[Any], *, limit: int) -> bytes:
    """The list route's answer from ``page_statement``'s row."""
    items, count, last_at, last_id = found
    key = IntelReport.observed_at.key
    next_cursor = f'"{encode_cursor(last_id, last_at, key)}"' if count > limit else "null"
    return f'{{"items":{items},"next_cursor":{next_cursor}}}'.encode()
