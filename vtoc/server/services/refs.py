"""How a reference an operator typed finds its row: one rule for every front end.

A reference is the row's numeric id; else the value of one of its naming columns, exactly
(an operation's code, then its name); else the same columns ignoring case (``hawk-02``
finds ``Hawk-02``). The first step that matches anything decides: one row is the answer,
several are a 409 that lists them, so that the operator can pick one by id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, inspect, select
from sqlalchemy.orm import Session

from vtoc.schemas import Candidate, row_id
from vtoc.server.errors import AmbiguousError, NotFoundError

R = TypeVar("R")

#: more rows than this matching one name are listed as "and N more"
LISTED = 10


def may_be_stored(ref: int | str) -> bool:
    """Whether a row could hold ``ref`` as its code or name: no text column holds NUL, and
    PostgreSQL refuses even to compare text with one."""
    return "\x00" not in str(ref)


def steps(model: type[Any], columns: Sequence[str], ref: str) -> list[ColumnElement[bool]]:
    """The conditions tried in turn: each column exactly, then each ignoring case."""
    attrs = [getattr(model, name) for name in columns]
    exact = [attr == ref for attr in attrs]
    folded = [func.lower(attr) == ref.lower() for attr in attrs]
    return [*exact, *folded]


def resolve(
    session: Session,
    model: type[R],
    ref: int | str,
    *,
    entity: str,
    columns: Sequence[str],
    label: Callable[[R], str],
    lock: bool = False,
) -> R:
    """The one row ``ref`` names; ``NotFoundError`` or ``AmbiguousError`` otherwise.
    ``lock`` reads it ``FOR UPDATE``, fresh (see ``Resource.get``)."""
    number = row_id(ref)
    if number is not None and (
        row := session.get(model, number, with_for_update=lock, populate_existing=lock)
    ):
        return row
    if may_be_stored(ref):
        for condition in steps(model, columns, str(ref).strip()):
            query = select(model).where(condition).order_by(*inspect(model).primary_key)
            if lock:
                query = query.with_for_update().execution_options(populate_existing=True)
            found = session.scalars(query.limit(LISTED + 1)).all()
            if len(found) == 1:
                return found[0]
            if found:
                raise ambiguous(session, entity, ref, found, condition, model, label)
    raise NotFoundError(f"no {entity} {ref!r}")


def ambiguous(
    session: Session,
    entity: str,
    ref: int | str,
    found: Sequence[Any],
    condition: ColumnElement[bool],
    model: type[Any],
    label: Callable[[Any], str],
) -> AmbiguousError:
    total = len(found)
    if total > LISTED:
        total = session.scalar(select(func.count()).select_from(model).where(condition)) or total
    candidates = [Candidate(id=row.id, label=label(row)) for row in found[:LISTED]]
    listed = ", ".join(f"{c.label} (id {c.id})" for c in candidates)
    more = f" and {total - LISTED} more" if total > LISTED else ""
    return AmbiguousError(
        f"{str(ref)!r} names {total} {entity}s: {listed}{more}; give the id",
        candidates=candidates,
    )
