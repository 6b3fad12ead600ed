"""Hot read routes whose dependencies are solved in plain code.

FastAPI's solver recomputes, on every request, each dependency's cache key and scope and
validates a query model field by field: 42 % of a show and 60 % of a list of intel
(docs/benchmarks.md). A route built with ``solved_by`` keeps its FastAPI signature, which the
OpenAPI document is still generated from, but its requests go to a handler that takes the same
steps (bearer token, role, scope, headers, one ``model_validate`` of the query) and calls the
endpoint with their values.
"""

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from functools import cache
from typing import Any, TypeVar, get_origin

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from vtoc.schemas import Role
from vtoc.server.api.deps import bearer, get_principal, get_session
from vtoc.server.auth import Principal

Q = TypeVar("Q", bound=BaseModel)
Handler = Callable[[Request], Coroutine[Any, Any, Response]]

request_session = asynccontextmanager(get_session)


def solved_by(handler: Handler) -> type[APIRoute]:
    """A route class whose requests go to ``handler``: the endpoint's parameters only
    describe the route in the OpenAPI document; ``handler`` supplies their values."""

    class SolvedRoute(APIRoute):
        #: what ``dispatch.HotRoutes`` sends the route's requests to, past the router
        solved_by: Handler = staticmethod(handler)  # type: ignore[assignment]

        def get_route_handler(self) -> Handler:
            return handler

    return SolvedRoute


@asynccontextmanager
async def caller(request: Request, required: Role) -> AsyncIterator[tuple[Session, Principal]]:
    """The request's session, scoped to the caller, and the caller holding ``required``:
    what ``SessionDep`` and ``Viewer`` give a route, in the same order (401/403 first)."""
    async with request_session(request) as session:
        principal = await get_principal(request, session, await bearer(request))
        principal.require(required)
        yield session, principal


@cache
def list_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` a query string may repeat (``?status=a&status=b``)."""
    return frozenset(
        name for name, field in model.model_fields.items() if get_origin(field.annotation) is list
    )


def query_of(request: Request, model: type[Q]) -> Q:
    """``model`` from the query string in one validation, shaped as FastAPI shapes it (a list
    field takes every value, any other field the last, an unknown one its value or values),
    refused with the same 422 naming the parameter."""
    params = request.query_params
    lists = list_fields(model)
    values: dict[str, Any] = {}
    for name in model.model_fields:
        if name in lists:
            if items := params.getlist(name):
                values[name] = items
        elif (value := params.get(name)) is not None:
            values[name] = value
    for name in params:
        if name not in model.model_fields:
            items = params.getlist(name)
            values[name] = items[0] if len(items) == 1 else items
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in errors]) from None
