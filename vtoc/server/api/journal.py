"""The staff journal's routes: file, list, read and correct entries; never edit or delete."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.api.crud import idempotent_post, json_renderer
from vtoc.server.api.deps import IdempotencyKey, Operator, PathId, SessionDep, Viewer, in_worker
from vtoc.server.auth import Principal
from vtoc.server.errors import MethodNotAllowedError
from vtoc.server.openapi import problem_response
from vtoc.server.services.journal import journal

router = APIRouter(prefix="/journal", tags=["journal"])
page_json = json_renderer(s.Page[s.JournalEntry])
entry_json = json_renderer(s.JournalEntry)
EVIDENCE = (
    "a journal entry is evidence and is never changed or deleted: "
    "POST /api/v1/journal/{id}/corrections files a correction"
)


async def filed(
    session: Session,
    who: Principal,
    key: str | None,
    data: BaseModel,
    file: Callable[..., Any],
    **where: Any,
) -> Response:
    """The journal's POSTs: ``file`` (an entry, or a correction of one) as the principal,
    once per ``Idempotency-Key``; the answer is the new entry."""
    return await idempotent_post(
        session,
        who,
        key,
        data,
        s.JournalEntry,
        lambda: file(session, actor=who.name, data=data, **where),
    )


@router.get("", response_model=s.Page[s.JournalEntry])
async def list_entries(
    session: SessionDep, _: Viewer, q: Annotated[s.JournalQuery, Query()]
) -> Response:
    """Entries, newest recorded first; filters by operation, kind, author, time, text."""

    def work() -> Response:
        rows, cursor = journal.list(session, q)
        return page_json({"items": rows, "next_cursor": cursor})

    return await in_worker(session, work)


@router.get("/{entry_id}", response_model=s.JournalEntry)
async def show_entry(entry_id: PathId, session: SessionDep, _: Viewer) -> Response:
    """One entry; ``corrected_by`` names its correction, if any."""
    return await in_worker(session, lambda: entry_json(journal.get(session, entry_id)))


@router.post("", response_model=s.JournalEntry, status_code=status.HTTP_201_CREATED)
async def file_entry(
    data: s.JournalCreate,
    session: SessionDep,
    who: Operator,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """File an entry as the token's principal; ``occurred_at`` defaults to now."""
    return await filed(session, who, idempotency_key, data, journal.file)


@router.post(
    "/{entry_id}/corrections",
    response_model=s.JournalEntry,
    status_code=status.HTTP_201_CREATED,
)
async def correct_entry(
    entry_id: PathId,
    data: s.JournalCorrection,
    session: SessionDep,
    who: Operator,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """File a correction of an entry: a new entry with ``corrects``; 409 if it already has one."""
    return await filed(session, who, idempotency_key, data, journal.correct, ref=entry_id)


REFUSED: dict[int | str, dict[str, Any]] = {405: problem_response("Always: file a correction")}


@router.patch("/{entry_id}", responses=REFUSED)
@router.delete("/{entry_id}", responses=REFUSED)
async def refuse_change(entry_id: PathId, _: Operator) -> None:
    """Refused: entries are never edited or deleted (file a correction)."""
    raise MethodNotAllowedError(EVIDENCE)
