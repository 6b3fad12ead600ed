"""``Idempotency-Key`` on POST: a retried request gets the first answer, not a second row."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from vtoc.server.errors import ConflictError
from vtoc.server.models import IdempotencyRecord


def fingerprint(body: BaseModel | None) -> str:
    payload = body.model_dump(mode="json") if body is not None else None
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(
    session: Session, *, actor: str, key: str, body: BaseModel | None
) -> JSONResponse | None:
    """The stored answer for this key, or None when the key is new."""
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.actor == actor, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    return replayed(record.request_hash, record.status_code, record.response, key=key, body=body)


def replayed(
    request_hash: str, status_code: int, response: Any, *, key: str, body: BaseModel | None
) -> JSONResponse:
    """A stored answer sent again, or 409 when the key came with another body."""
    if request_hash != fingerprint(body):
        raise ConflictError(
            f"Idempotency-Key {key!r} was already used with a different request body"
        )
    return JSONResponse(response, status_code=status_code, headers={"Idempotent-Replayed": "true"})


def remember(
    session: Session,
    *,
    actor: str,
    key: str,
    body: BaseModel | None,
    status_code: int,
    response: dict[str, Any],
) -> None:
    session.add(
        IdempotencyRecord(
            actor=actor,
            key=key,
            request_hash=fingerprint(body),
            status_code=status_code,
            response=response,
        )
    )
