"""The watch: acknowledgements, the sweep for reports nobody acknowledged in time, what
needs a human now, and handovers."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from vtoc import schemas as s
from vtoc.server.api.deps import Operator, PathId, SessionDep, Viewer, committed
from vtoc.server.services import acks, watch
from vtoc.server.services.watch import handovers

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
    flagged = acks.sweep(session, actor=who.name, deadlines=deadlines(request))
    session.commit()
    return s.OverdueSweep(flagged=flagged)


@router.get("/watch", response_model=s.Watch)
def show_watch(
    request: Request, session: SessionDep, _: Viewer, q: Annotated[s.WatchQuery, Query()]
) -> Any:
    """What needs a human now: unacknowledged reports (deadline, overdue), overdue missions,
    failed tasks, unreachable assets."""
    return watch.watch(session, query=q, deadlines=deadlines(request))


@router.get("/handovers", response_model=s.Page[s.Handover])
def list_handovers(session: SessionDep, _: Viewer, q: Annotated[s.ListQuery, Query()]) -> Any:
    """Handovers, newest first."""
    rows, cursor = handovers.list(session, q)
    return {"items": rows, "next_cursor": cursor}


@router.get("/handovers/{handover_id}", response_model=s.Handover)
def show_handover(handover_id: PathId, session: SessionDep, _: Viewer) -> Any:
    return handovers.get(session, handover_id)


@router.post("/handovers", response_model=s.Handover, status_code=status.HTTP_201_CREATED)
def hand_over(data: s.HandoverCreate, request: Request, session: SessionDep, who: Operator) -> Any:
    """Hand the watch over: a ``handover`` journal entry with the open items and the
    entries since the last handover."""
    return committed(
        session,
        handovers.hand_over(session, actor=who.name, data=data, deadlines=deadlines(request)),
    )


@router.post("/handovers/{handover_id}/accept", response_model=s.Handover)
def accept_handover(handover_id: PathId, session: SessionDep, who: Operator) -> Any:
    """Take the watch: records you as the incoming operator (once)."""
    return committed(session, handovers.accept(session, actor=who.name, ref=handover_id))


def deadlines(request: Request) -> dict[str, int]:
    return request.app.state.settings.ack_deadline_seconds  # type: ignore[no-any-return]
