"""``/correlations``: clusters of reports that share indicators, run and escalated."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Response

from vtoc import schemas as s
from vtoc.server import scopes
from vtoc.server.api.deps import Operator, PathId, SessionDep, Viewer, committed
from vtoc.server.services import correlations, escalation

router = APIRouter(prefix="/correlations", tags=["correlations"])


def as_json(payload: Any) -> Response:
    """Send the JSON the service built as is: these answers are large (thousands of links or
    clusters), and a model per row, validated against ``response_model``, would cost more
    than building them."""
    return Response(
        orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS), media_type="application/json"
    )


@router.get("", response_model=s.Page[s.Correlation])
def list_correlations(
    session: SessionDep,
    _: Viewer,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Any:
    rows, next_cursor = correlations.listing(session, limit=limit, cursor=cursor)
    return {"items": rows, "next_cursor": next_cursor}


@router.post("/run", response_model=s.CorrelationRunResult)
def run(data: s.CorrelationRun, session: SessionDep, who: Operator) -> Any:
    """One analyzer increment: link the reports after ``after`` to earlier ones sharing an
    indicator, and create or grow the clusters they form. Safe to retry: the reports already
    in clusters are not added twice."""
    scopes.unscoped_only(session, "run the analyzer: it reads every operation's reports")
    result = correlations.run(session, actor=who.name, data=data)
    session.commit()
    return as_json(result)


@router.get("/{correlation_id}", response_model=s.Correlation)
def show_correlation(correlation_id: PathId, session: SessionDep, _: Viewer) -> Any:
    return correlations.get(session, correlation_id)


@router.post("/{correlation_id}/escalate", response_model=s.Intel)
def escalate_correlation(correlation_id: PathId, session: SessionDep, who: Operator) -> Any:
    """Raise each member's severity a step and file the cluster's summary report, in one
    transaction; the answer is the summary. Safe to retry: once the cluster has its summary,
    this returns it and changes nothing."""
    summary = escalation.escalate(session, actor=who.name, correlation_id=correlation_id)
    return committed(session, s.Intel.model_validate(summary))


@router.patch("/{correlation_id}", response_model=s.Correlation)
def update_correlation(
    correlation_id: PathId, data: s.CorrelationUpdate, session: SessionDep, who: Operator
) -> Any:
    return committed(
        session,
        correlations.set_summary(session, actor=who.name, correlation_id=correlation_id, data=data),
    )
