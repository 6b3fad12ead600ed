"""The dashboard route: one call feeds the TUI's first screen."""

from fastapi import APIRouter, Request, Response

from vtoc import schemas as s
from vtoc.schemas import Role
from vtoc.server.api.crud import json_renderer
from vtoc.server.api.deps import SessionDep, Viewer, async_reads, in_worker
from vtoc.server.api.plain import caller, solved_by
from vtoc.server.services.dashboard import dashboard, dashboard_async

router = APIRouter(tags=["dashboard"])
board_json = json_renderer(s.Dashboard)


async def show_dashboard(request: Request, session: SessionDep, _: Viewer) -> Response:
    """Counts by status, overdue missions, intel of the last 24 h, recent events, agents."""
    if reads := async_reads(request):
        return board_json(await dashboard_async(reads))
    return await in_worker(session, lambda: board_json(dashboard(session)))


async def show_dashboard_solved(request: Request) -> Response:
    """The route's dependencies solved in plain code (``plain``): a hot read."""
    async with caller(request, Role.viewer) as (session, principal):
        return await show_dashboard(request, session, principal)


router.add_api_route(
    "/dashboard",
    show_dashboard,
    methods=["GET"],
    route_class_override=solved_by(show_dashboard_solved),
    response_model=s.Dashboard,
)
