"""The situation report route: one answer the CLI (``vtoc sitrep``) renders as a briefing."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from vtoc import schemas as s
from vtoc.server.api.deps import SessionDep, Viewer
from vtoc.server.api.watch import deadlines
from vtoc.server.services.sitrep import sitrep

router = APIRouter(tags=["sitrep"])


@router.get("/sitrep", response_model=s.Sitrep)
def show_sitrep(
    request: Request, session: SessionDep, _: Viewer, q: Annotated[s.SitrepQuery, Query()]
) -> Any:
    """Operations and their missions, asset readiness, the intel and journal of the last
    ``hours``, overdue missions, agent health and the open watch items: of every
    operation, or of one (``operation``: id, code or name)."""
    return sitrep(session, query=q, deadlines=deadlines(request))
