"""The staff journal: entries written once and read back as evidence. A mistake is put right
by a correction, a new entry that names the one it corrects; nothing is edited or deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import scopes
from vtoc.server.db import utcnow
from vtoc.server.errors import ConflictError, InvalidError
from vtoc.server.models import Asset, Base, Correlation, IntelReport, JournalEntryRow, Mission
from vtoc.server.services.operations import operations
from vtoc.server.services.resource import Resource

REF_MODELS: dict[s.RefEntity, type[Base]] = {
    s.RefEntity.mission: Mission,
    s.RefEntity.asset: Asset,
    s.RefEntity.intel: IntelReport,
    s.RefEntity.correlation: Correlation,
}


def check_occurred_at(when: datetime | None, *, now: datetime) -> datetime:
    """When it happened: now by default; never later than the server's clock allows."""
    if when is None:
        return now
    ahead = (when - now).total_seconds()
    if ahead > s.CLOCK_SKEW_SECONDS:
        raise InvalidError(
            "occurred_at",
            f"is {round(ahead)} s in the future; at most {s.CLOCK_SKEW_SECONDS} s of clock skew",
        )
    return when


def check_refs(session: Session, refs: list[s.JournalRef]) -> None:
    for index, ref in enumerate(refs):
        if session.get(REF_MODELS[ref.entity], ref.id) is None:
            raise InvalidError(f"refs.{index}.id", f"no {ref.entity} with id {ref.id}")


class Journal(Resource[JournalEntryRow, s.JournalCreate, s.JournalCreate, s.JournalQuery]):
    model = JournalEntryRow
    public = s.JournalEntry
    entity = s.Entity.journal
    search_columns = ("text",)
    filters = ("operation_id", "kind", "author")

    def query(self, session: Session, query: s.JournalQuery) -> Select[JournalEntryRow]:
        stmt = super().query(session, query)
        if query.since is not None:
            stmt = stmt.where(JournalEntryRow.occurred_at >= query.since)
        if query.until is not None:
            stmt = stmt.where(JournalEntryRow.occurred_at < query.until)
        return stmt

    def file(self, session: Session, *, actor: str, data: s.JournalCreate) -> JournalEntryRow:
        """File an entry as ``actor`` (the token's name: nobody writes in another's name)."""
        now = utcnow()
        operations.exists(session, "operation_id", data.operation_id)
        check_refs(session, data.refs)
        row = JournalEntryRow(
            occurred_at=check_occurred_at(data.occurred_at, now=now),
            recorded_at=now,
            author=actor,
            kind=data.kind,
            text=data.text,
            operation_id=data.operation_id,
            refs=[ref.model_dump(mode="json") for ref in data.refs],
        )
        return self.add(session, actor, row)

    def correct(
        self, session: Session, *, actor: str, ref: int | str, data: s.JournalCorrection
    ) -> JournalEntryRow:
        """A new entry in the original's place in time; the original stays readable and
        shows ``corrected_by``. One correction per entry: a second corrects the first."""
        original = self.get(session, ref)
        if original.correction is not None:
            raise ConflictError(
                f"entry {original.id} is already corrected by entry "
                f"{original.correction.id}: correct that one"
            )
        row = JournalEntryRow(
            occurred_at=original.occurred_at,
            recorded_at=utcnow(),
            author=actor,
            kind=original.kind,
            text=data.text,
            operation_id=original.operation_id,
            refs=list(original.refs),
            corrects=original.id,
            reason=data.reason,
        )
        row = self.add(session, actor, row)
        session.expire(original, ["correction"])
        return row

    def add(self, session: Session, actor: str, row: JournalEntryRow) -> JournalEntryRow:
        scopes.check_new(session, self.entity, row)
        session.add(row)
        session.flush()
        self.emit(session, actor, "created", row)
        return row


journal = Journal()
