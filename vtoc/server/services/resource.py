"""What every editable resource shares: lookup by id or reference, lists, versioned writes,
and the event each write appends in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import Select, String, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from vtoc.schemas import Entity, EventKind, Input, ListQuery, Output
from vtoc.server import events, scopes
from vtoc.server.async_reads import AsyncReads
from vtoc.server.db import utcnow
from vtoc.server.errors import InvalidError, StaleVersionError
from vtoc.server.models import Base
from vtoc.server.services import refs
from vtoc.server.services.pagination import fetch_page

M = TypeVar("M", bound=Base)
C = TypeVar("C", bound=Input)
U = TypeVar("U", bound=Input)
Q = TypeVar("Q", bound=ListQuery)


class Resource(Generic[M, C, U, Q]):
    """A table clients edit through the API. Subclasses add filters and domain rules."""

    model: type[M]
    public: type[Output]
    entity: ClassVar[Entity]
    #: the columns that name a row, in the order a reference tries them (see ``refs``)
    ref_columns: ClassVar[tuple[str, ...]] = ()
    #: columns matched case-insensitively by ``q`` on tables small enough not to need FTS
    search_columns: ClassVar[tuple[str, ...]] = ()
    #: query fields that filter the column of the same name: a list means "any of"
    filters: ClassVar[tuple[str, ...]] = ()
    #: the order of a list, as its documentation states it
    order: ClassVar[str] = "newest first (by id)"

    # Reads ---------------------------------------------------------------------------------

    def get(self, session: Session, ref: int | str, *, lock: bool = False) -> M:
        """The row for a numeric id or, where the resource has them, its code or name.

        ``lock``: for a change made whatever the version (no If-Match). Locked, the row
        read is the latest and concurrent changes queue; unlocked, on PostgreSQL all but
        one of them met a version moved meanwhile and answered 412 for a precondition the
        client never sent. (SQLite's writers queue at BEGIN IMMEDIATE already.)"""
        return refs.resolve(
            session,
            self.model,
            ref,
            entity=self.entity,
            columns=self.ref_columns,
            label=self.label,
            lock=lock,
        )

    def label(self, row: M) -> str:
        """How a row is told apart from others of the same name, in a 409's candidates."""
        return " ".join(str(getattr(row, column)) for column in self.ref_columns)

    def read(self, session: Session, ref: int | str) -> Any:
        """What the show route renders: the row, or (see intel) its values read without the
        ORM where building instances costs more than the query."""
        return self.get(session, ref)

    def list_json(self, session: Session, query: Q) -> bytes | None:
        """The list route's answer rendered by the database, where a resource does that (see
        intel); None: render ``list`` in Python."""
        return None

    def read_json(self, session: Session, ref: int | str) -> tuple[bytes, int] | None:
        """The show route's answer rendered by the database, as ``list_json``, and the row's
        version (its ETag)."""
        return None

    def version_of(self, read: Any) -> int:
        """The version of what ``read`` returned (its ETag)."""
        return int(read.version)

    async def list_json_async(self, reads: AsyncReads, session: Session, query: Q) -> bytes | None:
        """``list_json`` through asyncpg on the event loop (``async_reads``); None: take the
        synchronous path (``session`` only builds the statement, it holds no connection)."""
        return None

    async def read_json_async(self, reads: AsyncReads, ref: int | str) -> tuple[bytes, int] | None:
        """``read_json`` through asyncpg, as ``list_json_async``."""
        return None

    async def create_async(
        self, reads: AsyncReads, *, actor: str, data: C, key: str | None
    ) -> Response | None:
        """``create`` with its ``Idempotency-Key`` through asyncpg on the event loop, where a
        resource does that (see operations), for a caller who sees every operation; None:
        take the synchronous path."""
        return None

    def exists(self, session: Session, field: str, row_id: int | None) -> None:
        """Refuse a reference (a foreign key in the input) to a row that does not exist."""
        if row_id is not None and session.get(self.model, row_id) is None:
            raise InvalidError(field, f"no {self.entity} with id {row_id}")

    def query(self, session: Session, query: Q) -> Select[M]:
        stmt = select(self.model)
        if query.q and self.search_columns:
            # autoescape: "%" and "_" are what the operator typed, not wildcards; an enum
            # column (a status) is matched as the text it stores
            found = (
                type_coerce(getattr(self.model, c), String).icontains(query.q, autoescape=True)
                for c in self.search_columns
            )
            stmt = stmt.where(or_(*found))
        for name in self.filters:
            value = getattr(query, name)
            column = getattr(self.model, name)
            if isinstance(value, list):
                stmt = stmt.where(column.in_(value)) if value else stmt
            elif value is not None:
                stmt = stmt.where(column == value)
        return stmt

    def list(self, session: Session, query: Q) -> tuple[Sequence[Any], str | None]:
        return fetch_page(
            session,
            self.query(session, query),
            self.model.id,  # type: ignore[attr-defined]
            limit=query.limit,
            cursor=query.cursor,
        )

    # Writes --------------------------------------------------------------------------------

    def build(self, session: Session, data: C) -> M:
        return self.model(**data.model_dump())

    def apply(self, session: Session, row: M, changes: dict[str, Any]) -> None:
        for field, value in changes.items():
            setattr(row, field, value)

    def after_write(self, session: Session, row: M) -> None:
        """Hook run after a create or update has been flushed (derived rows, codes)."""

    def operation_of(self, row: M) -> int | None:
        return getattr(row, "operation_id", None)

    def snapshot(self, row: M) -> dict[str, Any]:
        return self.public.model_validate(row).model_dump(mode="json", exclude={"raw"})

    def create(self, session: Session, *, actor: str, data: C) -> M:
        row = self.build(session, data)
        scopes.check_new(session, self.entity, row)
        session.add(row)
        session.flush()
        self.after_write(session, row)
        self.emit(session, actor, "created", row)
        return row

    def update(
        self, session: Session, *, actor: str, ref: int | str, data: U, if_match: int | None
    ) -> M:
        row = self.get(session, ref, lock=True)
        if if_match is not None and if_match != row.version:  # type: ignore[attr-defined]
            raise StaleVersionError(
                f"{self.entity} {ref} is at version {row.version}, "  # type: ignore[attr-defined]
                f"not {if_match}: reload and apply your change again"
            )
        changes = data.model_dump(exclude_unset=True)
        self.refuse_nulls(changes)
        before = self.snapshot(row)
        self.apply(session, row, changes)
        after = self.snapshot(row)
        changed = sorted(k for k in changes if before.get(k) != after.get(k))
        if not changed:
            return row
        row.updated_at = utcnow()  # type: ignore[attr-defined]  # also bumps the version
        self.flush(session, ref)
        self.after_write(session, row)
        self.emit(session, actor, "updated", row, changed=changed)
        return row

    def delete(self, session: Session, *, actor: str, ref: int | str) -> None:
        """Delete a row that takes nothing with it; the others have a flow in ``deletes``."""
        self.remove(session, actor=actor, row=self.get(session, ref))

    def remove(self, session: Session, *, actor: str, row: M, **extra: Any) -> None:
        """Record the row's ``*.deleted`` event and delete it: the last step of a delete."""
        self.emit(session, actor, "deleted", row, **extra)
        session.delete(row)
        self.flush(session, row.id)  # type: ignore[attr-defined]

    def emit(self, session: Session, actor: str, verb: str, row: M, **extra: Any) -> None:
        session.flush()
        events.record(
            session,
            actor=actor,
            kind=EventKind.of(self.entity, verb),
            entity=self.entity,
            entity_id=row.id,  # type: ignore[attr-defined]
            operation_id=self.operation_of(row),
            data={**self.snapshot(row), **extra},
        )

    def flush(self, session: Session, ref: int | str) -> None:
        try:
            session.flush()
        except StaleDataError:
            raise StaleVersionError(
                f"{self.entity} {ref} was changed by someone else meanwhile: reload it"
            ) from None

    def refuse_nulls(self, changes: dict[str, Any]) -> None:
        table = self.model.__table__
        for field, value in changes.items():
            column = table.columns.get(field)
            if value is None and column is not None and not column.nullable:
                raise InvalidError(field, "may not be null")


def dump(model: type[BaseModel], rows: Sequence[Any]) -> list[Any]:
    return [model.model_validate(r) for r in rows]
