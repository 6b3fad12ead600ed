"""Acknowledgements and the sweep for reports nobody acknowledged in time."""

from typing import Any

from fastapi import APIRouter, Request, Response, status

from vtoc import schemas as s
from vtoc.server.api.deps import Operator, PathId, SessionDep
from vtoc.server.services import acks

router = APIRouter(tags=["watch"])


@router.post("/intel/{report_id}/ack", response_model=s.Ack, status_code=status.HTTP_201_CREATED)
def acknowledge(report_id: PathId, session: SessionDep, who: Operator, response: Response) -> Any:
    """Record that you saw the report: 201 the first time, then 200 with that first ack."""
    row, made = acks.acknowledge(session, actor=who.name, report_id=report_id)
    session.commit()
    if not made:
        response.status_code = status.HTTP_200_OK
    return row


@router.post("/watch/sweep", response_model=s.OverdueSweep)
def sweep(request: Request, session: SessionDep, who: Operator) -> Any:
    """Flag reports past their acknowledgement deadline (the monitor agent calls this);
    each report is flagged once, by whichever caller gets there first."""
    deadlines = request.app.state.settings.ack_deadline_seconds
    flagged = acks.sweep(session, actor=who.name, deadlines=deadlines)
    session.commit()
    return s.OverdueSweep(flagged=flagged)


def include(api: APIRouter) -> None:
    api.include_router(router)
