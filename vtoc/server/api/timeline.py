"""An operation's timeline: JSON pages, or the whole of it as an after-action document."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from vtoc import schemas as s
from vtoc.schemas import Role
from vtoc.server.api.crud import json_renderer
from vtoc.server.api.deps import SessionDep, Viewer, async_reads, in_worker
from vtoc.server.api.plain import caller, query_of, solved_by
from vtoc.server.services import after_action, timeline
from vtoc.server.services.operations import operations

router = APIRouter(prefix="/operations", tags=["operations"])
page_json = json_renderer(s.Page[s.TimelineItem])
EXPORTS = {
    "text/markdown": after_action.markdown,
    "text/csv": after_action.csv_document,
}


async def show_timeline(
    ref: str,
    request: Request,
    session: SessionDep,
    _: Viewer,
    q: Annotated[s.TimelineQuery, Query()],
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Journal entries and the events of the operation, its missions, their assets and its
    reports, by when they happened. ``Accept: text/markdown`` or ``text/csv``: every item
    from the cursor on, as an after-action document."""
    export = next((media for media in EXPORTS if media in (accept or "")), None)
    reads = async_reads(request)
    row_id = s.row_id(ref)
    # a page of an operation by id through asyncpg on the event loop: no thread hop
    if (
        reads
        and export is None
        and row_id is not None
        and (found := await timeline.page_async(reads, row_id, q)) is not None
    ):
        items, cursor = found
        return page_json({"items": items, "next_cursor": cursor})

    def work() -> Response:
        operation = operations.get(session, ref)
        if export is not None:
            body = EXPORTS[export](operation, timeline.every(session, operation, q))
            return Response(body, media_type=f"{export}; charset=utf-8")
        items, cursor = timeline.page(session, operation, q)
        return page_json({"items": items, "next_cursor": cursor})

    return await in_worker(session, work)


async def show_timeline_solved(request: Request) -> Response:
    """The route's dependencies solved in plain code (``plain``): a hot read."""
    async with caller(request, Role.viewer) as (session, principal):
        query = query_of(request, s.TimelineQuery)
        ref = request.path_params["ref"]
        return await show_timeline(
            ref, request, session, principal, query, request.headers.get("accept")
        )


router.add_api_route(
    "/{ref}/timeline",
    show_timeline,
    methods=["GET"],
    route_class_override=solved_by(show_timeline_solved),
    response_model=s.Page[s.TimelineItem],
    responses={
        200: {"content": {media: {"schema": {"type": "string"}} for media in EXPORTS}},
    },
)
