"""The dashboard route: one call feeds the TUI's first screen."""

from typing import Any

from fastapi import APIRouter

from vtoc import schemas as s
from vtoc.server.api.deps import SessionDep, Viewer
from vtoc.server.services.dashboard import dashboard

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_model=s.Dashboard)
def show_dashboard(session: SessionDep, _: Viewer) -> Any:
    """Counts by status, overdue missions, intel of the last 24 h, recent events, agents."""
    return dashboard(session)
