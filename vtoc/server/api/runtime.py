"""What the agents run on: leases and run reports, task claims, correlation clusters."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Response

from vtoc import schemas as s
from vtoc.server import metrics
from vtoc.server.api.deps import Operator, PathId, SessionDep, Viewer
from vtoc.server.services import correlations
from vtoc.server.services.agents import agents
from vtoc.server.services.tasks import tasks

leases_router = APIRouter(prefix="/agents", tags=["agents"])


@leases_router.post("/{ref}/lease", response_model=s.Agent)
def take_lease(ref: str, data: s.LeaseRequest, session: SessionDep, _: Operator) -> Any:
    """Lease a due agent to one worker; 409 when it is disabled, not due or leased."""
    row = agents.lease(session, ref=ref, data=data)
    session.commit()
    return row


@leases_router.put("/{ref}/lease", response_model=s.Agent)
def renew_lease(ref: str, data: s.LeaseRequest, session: SessionDep, _: Operator) -> Any:
    """Extend the lease while the run goes on; 409 when the worker lost it."""
    row = agents.renew(session, ref=ref, data=data)
    session.commit()
    return row


@leases_router.post("/{ref}/runs", response_model=s.AgentRun, status_code=201)
def report_run(ref: str, data: s.RunReport, session: SessionDep, _: Operator) -> Any:
    """Record a finished run, release the lease and schedule the next due time."""
    run = agents.report(session, ref=ref, data=data)
    session.commit()
    finished = run.finished_at or run.started_at
    metrics.agent_run_finished(ref, run.status, (finished - run.started_at).total_seconds())
    return run


claims_router = APIRouter(prefix="/tasks", tags=["tasks"])


@claims_router.post("/claim", response_model=list[s.Task])
def claim_tasks(data: s.TaskClaim, session: SessionDep, _: Operator) -> Any:
    """Claim due tasks for one executor; each is handed to one claimer at a time."""
    rows = tasks.claim(session, data=data)
    session.commit()
    return rows


@claims_router.post("/{ref}/outcome", response_model=s.Task)
def task_outcome(ref: str, data: s.TaskOutcome, session: SessionDep, _: Operator) -> Any:
    """Report an attempt: done, or retried with exponential backoff, or failed for good."""
    row = tasks.finish(session, ref=ref, data=data)
    session.commit()
    return row


correlations_router = APIRouter(prefix="/correlations", tags=["correlations"])


def as_json(payload: Any) -> Response:
    """Send the JSON the service built as is: these answers are large (thousands of links or
    clusters), and a model per row, validated against ``response_model``, would cost more
    than building them."""
    return Response(
        orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS), media_type="application/json"
    )


@correlations_router.get("", response_model=s.Page[s.Correlation])
def list_correlations(
    session: SessionDep,
    _: Viewer,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Any:
    rows, next_cursor = correlations.listing(session, limit=limit, cursor=cursor)
    return {"items": rows, "next_cursor": next_cursor}


@correlations_router.post("/run", response_model=s.CorrelationRunResult)
def run(data: s.CorrelationRun, session: SessionDep, who: Operator) -> Any:
    """One analyzer increment: link the reports after ``after`` to earlier ones sharing an
    indicator, and create or grow the clusters they form. Safe to retry: the reports already
    in clusters are not added twice."""
    result = correlations.run(session, actor=who.name, data=data)
    session.commit()
    return as_json(result)


@correlations_router.get("/{correlation_id}", response_model=s.Correlation)
def show_correlation(correlation_id: PathId, session: SessionDep, _: Viewer) -> Any:
    return correlations.get(session, correlation_id)


@correlations_router.post("/{correlation_id}/escalate", response_model=s.Intel)
def escalate_correlation(correlation_id: PathId, session: SessionDep, who: Operator) -> Any:
    """Raise each member's severity a step and file the cluster's summary report, in one
    transaction; the answer is the summary. Safe to retry: once the cluster has its summary,
    this returns it and changes nothing."""
    summary = correlations.escalate(session, actor=who.name, correlation_id=correlation_id)
    answer = s.Intel.model_validate(summary)
    session.commit()
    return answer


@correlations_router.patch("/{correlation_id}", response_model=s.Correlation)
def update_correlation(
    correlation_id: PathId, data: s.CorrelationUpdate, session: SessionDep, who: Operator
) -> Any:
    row = correlations.set_summary(
        session, actor=who.name, correlation_id=correlation_id, data=data
    )
    session.commit()
    return row


correlated_router = APIRouter(prefix="/intel", tags=["intel"])


@correlated_router.get("/{report_id}/correlated", response_model=s.Correlated)
def correlated(report_id: PathId, session: SessionDep, _: Viewer) -> Any:
    """The reports correlated with this one, each with the indicators both carry: why."""
    return correlations.correlated(session, report_id)


def include(api: APIRouter) -> None:
    for router in (leases_router, claims_router, correlations_router, correlated_router):
        api.include_router(router)
