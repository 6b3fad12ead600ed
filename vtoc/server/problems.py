"""Every error answer is RFC 9457 problem+json, naming the fields that were wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException

from vtoc.schemas import Candidate, FieldError, Problem
from vtoc.server.errors import (
    AmbiguousError,
    DomainError,
    RateLimitedError,
)
from vtoc.validation import field_name, message

MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    candidates: list[Candidate] | None = None,
) -> JSONResponse:
    body = Problem(
        title=title, status=status, detail=detail, errors=errors or [], candidates=candidates or []
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude=None if candidates else {"candidates"}),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=dict(headers or {}),
    )


async def on_domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(exc.retry_after)}
    candidates = exc.candidates if isinstance(exc, AmbiguousError) else None
    return problem(exc.status, exc.title, exc.detail, exc.errors, headers, candidates)


def field_error(error: Mapping[str, Any]) -> FieldError:
    loc = tuple(error["loc"])
    if error.get("type") == "json_invalid":  # FastAPI puts the offset where a field goes
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        reason = (error.get("ctx") or {}).get("error") or error["msg"]
        return FieldError(field="body", message=f"not valid JSON{where}: {reason}")
    return FieldError(field=field_name(loc) or "body", message=message(error))


async def on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [field_error(e) for e in exc.errors()]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem(422, "Validation failed", detail, errors)


async def on_http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, str(exc.detail), None, None, exc.headers)


async def on_integrity_error(_: Request, exc: Exception) -> JSONResponse:
    # The services check what they can first; this is the race they cannot see.
    return problem(409, "Conflict", "the change conflicts with data written meanwhile; retry")


async def on_database_down(_: Request, exc: Exception) -> JSONResponse:
    return problem(503, "Database unavailable", "the database did not answer; retry shortly")


async def on_data_error(_: Request, exc: Exception) -> JSONResponse:
    # The schemas bound what they can; this is the value the database still refuses.
    return problem(422, "Validation failed", "a value does not fit the database column")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(IntegrityError, on_integrity_error)
    app.add_exception_handler(OperationalError, on_database_down)
    app.add_exception_handler(PoolTimeoutError, on_database_down)
    app.add_exception_handler(DataError, on_data_error)
