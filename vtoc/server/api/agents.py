"""``/agents``: the registry (list, show, change, trigger), runs, and the leases workers
take to run an agent."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from vtoc import schemas as s
from vtoc.server import metrics
from vtoc.server.api.deps import (
    NOT_MODIFIED,
    TAGGED_DOC,
    IfMatch,
    IfNoneMatch,
    Operator,
    SessionDep,
    Viewer,
    committed,
    etag,
    tagged,
)
from vtoc.server.services.agents import agents

router = APIRouter(prefix="/agents", tags=["agents"])


@router.get("", response_model=s.Page[s.Agent])
def list_agents(session: SessionDep, _: Viewer) -> Any:
    return {"items": agents.all(session), "next_cursor": None}


@router.get(
    "/{ref}",
    response_model=s.Agent,
    description=TAGGED_DOC,
    responses=NOT_MODIFIED,
)
def show_agent(ref: str, session: SessionDep, _: Viewer, none_match: IfNoneMatch) -> Response:
    agent = s.Agent.model_validate(agents.get(session, ref))
    answer = Response(agent.model_dump_json(), media_type="application/json")
    return tagged(answer, agent.version, none_match)


@router.patch("/{ref}", response_model=s.Agent)
def update_agent(
    ref: str,
    data: s.AgentUpdate,
    session: SessionDep,
    who: Operator,
    if_match: IfMatch,
    response: Response,
) -> Any:
    """Change an agent's interval, enabled flag or config."""
    row = agents.update(session, actor=who.name, ref=ref, data=data, if_match=if_match)
    session.commit()
    response.headers["ETag"] = etag(row.version)  # for the next If-Match
    return row


@router.post("/{ref}/trigger", response_model=s.Agent)
def trigger_agent(ref: str, session: SessionDep, who: Operator) -> Any:
    """Make the agent due now."""
    return committed(session, agents.trigger(session, actor=who.name, ref=ref))


@router.get("/{ref}/runs", response_model=s.Page[s.AgentRun])
def list_runs(
    ref: str,
    session: SessionDep,
    _: Viewer,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Any:
    rows, next_cursor = agents.runs(session, ref=ref, limit=limit, cursor=cursor)
    return {"items": rows, "next_cursor": next_cursor}


@router.post("/{ref}/lease", response_model=s.Agent)
def take_lease(ref: str, data: s.LeaseRequest, session: SessionDep, _: Operator) -> Any:
    """Lease a due agent to one worker; 409 when it is disabled, not due or leased."""
    return committed(session, agents.lease(session, ref=ref, data=data))


@router.put("/{ref}/lease", response_model=s.Agent)
def renew_lease(ref: str, data: s.LeaseRequest, session: SessionDep, _: Operator) -> Any:
    """Extend the lease while the run goes on; 409 when the worker lost it."""
    return committed(session, agents.renew(session, ref=ref, data=data))


@router.post("/{ref}/runs", response_model=s.AgentRun, status_code=201)
def report_run(ref: str, data: s.RunReport, session: SessionDep, _: Operator) -> Any:
    """Record a finished run, release the lease and schedule the next due time."""
    run = agents.report(session, ref=ref, data=data)
    session.commit()
    finished = run.finished_at or run.started_at
    metrics.agent_run_finished(ref, run.status, (finished - run.started_at).total_seconds())
    return run
