"""Operations: the top of the domain; missions and intelligence hang off them."""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from vtoc import schemas as s
from vtoc.server.errors import ConflictError, InvalidError
from vtoc.server.models import Operation
from vtoc.server.services.resource import Resource

CODE_PREFIX = "OP"


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
        if row.start_at and row.end_at and row.end_at < row.start_at:  # after create or edit
            raise InvalidError("end_at", f"before start_at ({row.start_at.isoformat()})")
        if row.code.startswith("pending-"):
            # Written past the ORM so that a new operation starts at version 1.
            code = self.next_code(session, row.id)
            session.execute(update(Operation).where(Operation.id == row.id).values(code=code))
            set_committed_value(row, "code", code)

    def operation_of(self, row: Operation) -> int | None:
        return row.id

    @staticmethod
    def refuse_taken_code(session: Session, code: str) -> None:
        taken = session.scalar(select(Operation.id).where(Operation.code == code))
        if taken is not None:
            raise ConflictError(f"code: operation {taken} already has code {code}")

    @staticmethod
    def next_code(session: Session, row_id: int) -> str:
        """``OP-<id>``, or the next free number when someone chose that code by hand."""
        code = f"{CODE_PREFIX}-{row_id:04d}"
        if session.scalar(select(Operation.id).where(Operation.code == code)) is None:
            return code
        codes = session.scalars(
            select(Operation.code).where(Operation.code.startswith(f"{CODE_PREFIX}-"))
        )
        numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(r"OP-(\d+)", c))]
        return f"{CODE_PREFIX}-{max(numbers) + 1:04d}"


operations = Operations()
