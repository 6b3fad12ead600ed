"""Operations: the top of the domain; missions and intelligence hang off them."""

from __future__ import annotations

import json
import re
from datetime import datetime

import asyncpg
from fastapi.responses import JSONResponse
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from vtoc import schemas as s
from vtoc.server import events, idempotency
from vtoc.server.async_reads import AsyncReads, NotPrepared
from vtoc.server.db import utcnow
from vtoc.server.errors import ConflictError, InvalidError, NotFoundError
from vtoc.server.models import FIRST_VERSION, Operation
from vtoc.server.services.pagination import page_of, page_query
from vtoc.server.services.resource import Resource

CODE_PREFIX = "OP"

#: an operation by id, built once (``AsyncReads.prepare`` compiles it once)
SHOW = select(Operation.__table__).where(Operation.id == bindparam("row_id"))

#: What a create must know first, in one round trip: the answer stored for its
#: ``Idempotency-Key`` (if any), the operation that already has its chosen code (if any),
#: and otherwise the new row's id, drawn here so that its ``OP-<id>`` code and its event can
#: be written by the INSERT itself (no placeholder code, no UPDATE).
BEFORE_CREATE = """
SELECT stored.record, taken.id AS taken,
       CASE WHEN stored.record IS NULL AND taken.id IS NULL
            THEN nextval(pg_get_serial_sequence('operations', 'id')) END AS id
FROM (SELECT (SELECT json_build_array(request_hash, status_code, response)
              FROM idempotency_records WHERE actor = $1::text AND key = $2::text) AS record
     ) AS stored,
     (SELECT (SELECT id FROM operations WHERE code = $3::text) AS id) AS taken
"""

#: The create in one statement, hence one transaction (asyncpg's autocommit): the stored
#: answer (when keyed; a concurrent request with the same key makes this one write nothing),
#: the row, and its event appended under ``events.EVENT_APPEND_LOCK`` with its wake-up, as
#: ``events.APPEND_AND_NOTIFY`` does for the synchronous path.
CREATE = """
WITH remembered AS (
    INSERT INTO idempotency_records (actor, key, request_hash, status_code, response, created_at)
    SELECT $1::text, $2::text, $3::text, 201, $4::json, $5::timestamptz
    WHERE $2::text IS NOT NULL
    ON CONFLICT (actor, key) DO NOTHING
    RETURNING id
), created AS (
    INSERT INTO operations (id, code, name, description, status, priority, commander,
                            start_at, end_at, created_at, updated_at, version)
    SELECT $6::bigint, $7::text, $8::text, $9::text, $10::text, $11::text, $12::text,
           $13::timestamptz, $14::timestamptz, $5::timestamptz, $5::timestamptz, $15::integer
    WHERE $2::text IS NULL OR EXISTS (SELECT FROM remembered)
    RETURNING id
), turn AS MATERIALIZED (
    SELECT pg_advisory_xact_lock($16::bigint) FROM created
), appended AS (
    INSERT INTO events (ts, actor, kind, entity, entity_id, operation_id, data)
    SELECT $5::timestamptz, $1::text, $17::text, $18::text, $6::bigint, $6::bigint, $4::json
    FROM turn
    RETURNING id
)
SELECT EXISTS (SELECT FROM created) AS made,
       (SELECT pg_notify($19::text, CAST(max(id) AS text)) FROM appended HAVING count(*) > 0)
"""


class Operations(Resource[Operation, s.OperationCreate, s.OperationUpdate, s.OperationQuery]):
    model = Operation
    public = s.Operation
    entity = s.Entity.operation
    ref_columns = ("code", "name")
    search_columns = ("code", "name", "description", "commander", "status")
    filters = ("status", "priority")

    def build(self, session: Session, data: s.OperationCreate) -> Operation:
        if data.code is not None:
            self.refuse_taken_code(session, data.code)
        # A placeholder keeps the NOT NULL/UNIQUE code valid until the id is known.
        code = data.code or f"pending-{id(data)}"
        return Operation(**data.model_dump(exclude={"code"}), code=code)

    def after_write(self, session: Session, row: Operation) -> None:
        in_order(row.start_at, row.end_at)  # after create or edit
        if row.code.startswith("pending-"):
            # Written past the ORM so that a new operation starts at version 1.
            code = self.next_code(session, row.id)
            session.execute(update(Operation).where(Operation.id == row.id).values(code=code))
            set_committed_value(row, "code", code)

    def operation_of(self, row: Operation) -> int | None:
        return row.id

    async def read_json_async(self, reads: AsyncReads, ref: int | str) -> tuple[bytes, int] | None:
        """A numeric id through asyncpg; a code or a name (``refs``' rules, its 409s) takes
        the synchronous path."""
        row_id = s.row_id(ref)
        if row_id is None:
            return None
        found = await reads.fetchrow(SHOW, {"row_id": row_id})
        if isinstance(found, NotPrepared):
            return None
        if found is None:
            raise NotFoundError(f"no {self.entity} {ref!r}")
        row = s.Operation.model_validate(dict(found))
        return row.model_dump_json().encode(), row.version

    async def list_json_async(
        self, reads: AsyncReads, session: Session, query: s.OperationQuery
    ) -> bytes | None:
        statement = page_query(
            self.query(session, query), Operation.id, limit=query.limit, cursor=query.cursor
        )
        found = await reads.fetch(statement)
        if isinstance(found, NotPrepared):
            return None
        rows, cursor = page_of(
            [s.Operation.model_validate(dict(r)) for r in found], limit=query.limit
        )
        return s.Page[s.Operation](items=list(rows), next_cursor=cursor).model_dump_json().encode()

    async def create_async(
        self, reads: AsyncReads, *, actor: str, data: s.OperationCreate, key: str | None
    ) -> JSONResponse | None:
        """``create`` (and ``idempotent_post``) in two round trips on the event loop, where
        the synchronous path took a thread hop and six: a lookup of the key, the INSERT, the
        code's UPDATE, the event under its lock, the stored answer, COMMIT. None, for the
        synchronous path to decide, when the chosen or drawn code was taken meanwhile."""
        in_order(data.start_at, data.end_at)
        request_hash = idempotency.fingerprint(data)

        async def create(conn: asyncpg.Connection) -> JSONResponse | None:
            first = await conn.fetchrow(BEFORE_CREATE, actor, key, data.code)
            if first["record"] is not None:
                assert key is not None  # a stored answer is found by its key
                return idempotency.replayed(*json.loads(first["record"]), key=key, body=data)
            if first["taken"] is not None:
                raise code_taken(first["taken"], data.code or "")
            row_id: int = first["id"]
            now = utcnow()
            payload = s.Operation(
                **data.model_dump(exclude={"code"}),
                id=row_id,
                code=data.code or code_for(row_id),
                created_at=now,
                updated_at=now,
                version=FIRST_VERSION,
            ).model_dump(mode="json")
            try:
                made = await conn.fetchval(
                    CREATE,
                    actor,
                    key,
                    request_hash,
                    json.dumps(payload),
                    now,
                    row_id,
                    payload["code"],
                    data.name,
                    data.description,
                    data.status.value,
                    data.priority.value,
                    data.commander,
                    data.start_at,
                    data.end_at,
                    FIRST_VERSION,
                    events.EVENT_APPEND_LOCK,
                    s.EventKind.of(self.entity, "created").value,
                    self.entity.value,
                    events.NOTIFY_CHANNEL,
                )
            except asyncpg.UniqueViolationError:
                return None
            if made:
                return JSONResponse(payload, status_code=201)
            # a request with the same key stored its answer first: send that one
            assert key is not None  # without a key, the row is always made
            again = await conn.fetchrow(BEFORE_CREATE, actor, key, None)
            return idempotency.replayed(*json.loads(again["record"]), key=key, body=data)

        return await reads.once(create)

    @staticmethod
    def refuse_taken_code(session: Session, code: str) -> None:
        taken = session.scalar(select(Operation.id).where(Operation.code == code))
        if taken is not None:
            raise code_taken(taken, code)

    @staticmethod
    def next_code(session: Session, row_id: int) -> str:
        """``OP-<id>``, or the next free number when someone chose that code by hand."""
        code = code_for(row_id)
        if session.scalar(select(Operation.id).where(Operation.code == code)) is None:
            return code
        codes = session.scalars(
            select(Operation.code).where(Operation.code.startswith(f"{CODE_PREFIX}-"))
        )
        numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(r"OP-(\d+)", c))]
        return f"{CODE_PREFIX}-{max(numbers) + 1:04d}"


def code_for(row_id: int) -> str:
    """A new operation's code unless its creator chose one."""
    return f"{CODE_PREFIX}-{row_id:04d}"


def code_taken(taken: int, code: str) -> ConflictError:
    return ConflictError(f"code: operation {taken} already has code {code}")


def in_order(start_at: datetime | None, end_at: datetime | None) -> None:
    """Refuse an operation that ends before it starts."""
    if start_at and end_at and end_at < start_at:
        raise InvalidError("end_at", f"before start_at ({start_at.isoformat()})")


operations = Operations()
