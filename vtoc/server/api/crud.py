"""The five routes every editable resource has, built once for all of them.

No ``from __future__ import annotations`` here: FastAPI reads the parameter annotations,
which name the resource's own models, when each route is defined.
"""

from collections.abc import Callable
from typing import Annotated, Any, Protocol, get_args, get_origin

import orjson
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.orm import Session

from vtoc.schemas import DeleteImpact, Input, ListQuery, Output, Page, Role
from vtoc.server import idempotency
from vtoc.server.api.deps import (
    NOT_MODIFIED,
    TAGGED_DOC,
    Admin,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    Operator,
    SessionDep,
    Viewer,
    async_reads,
    etag,
    in_worker,
    parse_if_none_match,
    tagged,
)
from vtoc.server.api.plain import caller, query_of, solved_by
from vtoc.server.auth import Principal
from vtoc.server.services.resource import Resource

JSON = "application/json"


async def idempotent_post(
    session: Session,
    principal: Principal,
    key: str | None,
    body: BaseModel,
    public: type[BaseModel],
    make: Callable[[], Any],
    status_code: int = status.HTTP_201_CREATED,
) -> JSONResponse:
    """Run a POST's ``make`` once per ``Idempotency-Key`` in one hop to a worker thread;
    commit what it made, shown as ``public``, with the stored answer."""

    def work() -> JSONResponse:
        if key and (
            stored := idempotency.replay(session, actor=principal.name, key=key, body=body)
        ):
            return stored
        payload = public.model_validate(make()).model_dump(mode="json")
        if key:
            idempotency.remember(
                session,
                actor=principal.name,
                key=key,
                body=body,
                status_code=status_code,
                response=payload,
            )
        session.commit()
        return JSONResponse(payload, status_code=status_code)

    return await in_worker(session, work)


def json_renderer(model: Any) -> Callable[[Any], Response]:
    """Rows straight to JSON bytes with the response model's own serializer, in the worker
    thread that loaded them: one validation pass instead of FastAPI's two, on the hot reads."""
    adapter: TypeAdapter[Any] = TypeAdapter(model)

    def render(value: Any) -> Response:
        body = adapter.dump_json(adapter.validate_python(value, from_attributes=True))
        return Response(body, media_type=JSON)

    return render


def plain_json(value: Any) -> Response:
    """Plain data already shaped as the response model (a track's typed dicts of JSON's
    own kinds, times in UTC) to the same bytes pydantic writes (``Z`` for UTC), without an
    object per item: a map's trails are 50,000 fixes."""
    return Response(orjson.dumps(value, option=orjson.OPT_UTC_Z), media_type=JSON)


class DeleteFlow(Protocol):
    def __call__(self, session: Session, *, actor: str, ref: int | str) -> None: ...


ImpactOf = Callable[[Session, int | str], DeleteImpact]


def nothing_else(resource: Resource[Any, Any, Any, Any], session: Session, ref: str) -> Any:
    """The impact of deleting a row that takes nothing with it (404 for a missing one)."""
    resource.get(session, ref)
    return DeleteImpact()


def models_of(
    resource: Resource[Any, Any, Any, Any],
) -> tuple[type[Input], type[Input], type[ListQuery]]:
    """A resource's create, update and list query models: the type arguments its service
    class names once (``Resource[Asset, s.AssetCreate, s.AssetUpdate, s.AssetQuery]``)."""
    for cls in type(resource).__mro__:
        for base in cls.__dict__.get("__orig_bases__", ()):
            if get_origin(base) is Resource:
                _, create, update, query = get_args(base)
                return create, update, query
    raise TypeError(f"{type(resource).__name__} names no Resource[...] models")


def crud_router(
    resource: Resource[Any, Any, Any, Any],
    *,
    prefix: str,
    delete_role: Role = Role.admin,
    delete: DeleteFlow | None = None,
    impact: ImpactOf | None = None,
) -> APIRouter:
    """The routes, taking the resource's own models (``models_of``); ``delete`` and
    ``impact`` are its flow in ``services.deletes`` when deleting its rows takes others
    with it."""
    public: type[Output] = resource.public
    create, update, query = models_of(resource)
    name = resource.entity
    one = f"an {name}" if name[0] in "aeiou" else f"a {name}"
    router = APIRouter(prefix=prefix, tags=[prefix.strip("/")])
    deleter = Admin if delete_role is Role.admin else Operator

    page_json = json_renderer(Page[public])  # type: ignore[valid-type]
    row_json = json_renderer(public)

    async def list_rows(
        request: Request,
        session: SessionDep,
        _: Viewer,
        q: Annotated[query, Query()],  # type: ignore[valid-type]
    ) -> Response:
        # The session builds the statement; it connects only on the synchronous path.
        reads = async_reads(request)
        if reads and (body := await resource.list_json_async(reads, session, q)) is not None:
            return Response(body, media_type=JSON)

        def work() -> Response:
            if (body := resource.list_json(session, q)) is not None:
                return Response(body, media_type=JSON)
            rows, cursor = resource.list(session, q)
            return page_json({"items": rows, "next_cursor": cursor})

        return await in_worker(session, work)

    async def list_solved(request: Request) -> Response:
        async with caller(request, Role.viewer) as (session, principal):
            return await list_rows(request, session, principal, query_of(request, query))

    router.add_api_route(
        "",
        list_rows,
        methods=["GET"],
        route_class_override=solved_by(list_solved),
        response_model=Page[public],  # type: ignore[valid-type]
        summary=f"List {name} rows",
        description=f"Rows {resource.order}; pass `next_cursor` back as `cursor` for the next "
        "page.",
    )

    async def show(
        ref: str, request: Request, session: SessionDep, _: Viewer, none_match: IfNoneMatch
    ) -> Response:
        reads = async_reads(request)
        if reads and (rendered := await resource.read_json_async(reads, ref)) is not None:
            body, version = rendered
            return tagged(Response(body, media_type=JSON), version, none_match)

        def work() -> Response:
            if (rendered := resource.read_json(session, ref)) is not None:
                body, version = rendered
                return tagged(Response(body, media_type=JSON), version, none_match)
            row = resource.read(session, ref)
            return tagged(row_json(row), resource.version_of(row), none_match)

        return await in_worker(session, work)

    async def show_solved(request: Request) -> Response:
        async with caller(request, Role.viewer) as (session, principal):
            none_match = await parse_if_none_match(request.headers.get("if-none-match"))
            return await show(request.path_params["ref"], request, session, principal, none_match)

    router.add_api_route(
        "/{ref}",
        show,
        methods=["GET"],
        route_class_override=solved_by(show_solved),
        response_model=public,
        summary=f"Show one {name}",
        description=TAGGED_DOC,
        responses=NOT_MODIFIED,
    )

    @router.get(
        "/{ref}/delete-impact",
        response_model=DeleteImpact,
        summary=f"What deleting {one} would take with it",
    )
    async def delete_impact(ref: str, session: SessionDep, _: Viewer) -> Any:
        """Counted by entity, for a confirmation that says so before the delete."""
        return await in_worker(
            session,
            lambda: impact(session, ref) if impact else nothing_else(resource, session, ref),
        )

    @router.post(
        "", response_model=public, status_code=status.HTTP_201_CREATED, summary=f"Create {one}"
    )
    async def create_row(
        data: create,  # type: ignore[valid-type]
        request: Request,
        session: SessionDep,
        who: Operator,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        reads = async_reads(request)
        if (
            reads
            and (
                made := await resource.create_async(
                    reads, actor=who.name, data=data, key=idempotency_key
                )
            )
            is not None
        ):
            return made

        return await idempotent_post(
            session,
            who,
            idempotency_key,
            data,
            public,
            lambda: resource.create(session, actor=who.name, data=data),
        )

    @router.patch("/{ref}", response_model=public, summary=f"Change {one}")
    async def update_row(
        ref: str,
        data: update,  # type: ignore[valid-type]
        session: SessionDep,
        who: Operator,
        if_match: IfMatch,
        response: Response,
    ) -> Any:
        def work() -> Any:
            row = resource.update(session, actor=who.name, ref=ref, data=data, if_match=if_match)
            session.commit()
            response.headers["ETag"] = etag(row.version)  # for the next If-Match
            return public.model_validate(row)

        return await in_worker(session, work)

    @router.delete("/{ref}", status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete {one}")
    async def delete_row(ref: str, session: SessionDep, who: deleter) -> Response:  # type: ignore[valid-type]
        actor: Principal = who

        def work() -> Response:
            (delete or resource.delete)(session, actor=actor.name, ref=ref)
            session.commit()
            return Response(status_code=status.HTTP_204_NO_CONTENT)

        return await in_worker(session, work)

    return router
