"""Agents registry, API tokens, identity and the event log."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.api.deps import Admin, IfMatch, Operator, SessionDep, Viewer
from vtoc.server.services import tokens
from vtoc.server.services.agents import agents

agents_router = APIRouter(prefix="/agents", tags=["agents"])


@agents_router.get("", response_model=s.Page[s.Agent])
def list_agents(session: SessionDep, _: Viewer) -> Any:
    return {"items": agents.all(session), "next_cursor": None}


@agents_router.get("/{ref}", response_model=s.Agent)
def show_agent(ref: str, session: SessionDep, _: Viewer) -> Any:
    return agents.get(session, ref)


@agents_router.patch("/{ref}", response_model=s.Agent)
def update_agent(
    ref: str, data: s.AgentUpdate, session: SessionDep, who: Operator, if_match: IfMatch
) -> Any:
    """Change an agent's interval, enabled flag or config."""
    row = agents.update(session, actor=who.name, ref=ref, data=data, if_match=if_match)
    session.commit()
    return row


@agents_router.post("/{ref}/trigger", response_model=s.Agent)
def trigger_agent(ref: str, session: SessionDep, who: Operator) -> Any:
    """Make the agent due now."""
    row = agents.trigger(session, actor=who.name, ref=ref)
    session.commit()
    return row


@agents_router.get("/{ref}/runs", response_model=s.Page[s.AgentRun])
def list_runs(
    ref: str,
    session: SessionDep,
    _: Viewer,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Any:
    rows, next_cursor = agents.runs(session, ref=ref, limit=limit, cursor=cursor)
    return {"items": rows, "next_cursor": next_cursor}


tokens_router = APIRouter(prefix="/tokens", tags=["tokens"])


@tokens_router.get("", response_model=s.Page[s.Token])
def list_tokens(session: SessionDep, _: Admin) -> Any:
    return {"items": tokens.list_all(session), "next_cursor": None}


@tokens_router.post("", response_model=s.TokenCreated, status_code=201)
def create_token(data: s.TokenCreate, session: SessionDep, who: Admin) -> Any:
    """Create a token; its secret is in this answer and nowhere else, ever.

    No Idempotency-Key here: replaying would mean storing the secret. Names are unique, so
    a retried create answers 409 instead of making a second token.
    """
    token = tokens.create(session, actor=who.name, data=data)
    session.commit()
    return token


@tokens_router.delete("/{ref}", response_model=s.Token)
def revoke_token(ref: str, request: Request, session: SessionDep, who: Admin) -> Any:
    """Revoke a token: it stops working at once. The row stays for the audit trail."""
    token = tokens.revoke(session, actor=who.name, ref=ref)
    session.commit()
    request.app.state.token_cache.clear()  # other processes: through the token.revoked event
    return token


identity_router = APIRouter(tags=["identity"])


@identity_router.get("/whoami", response_model=s.WhoAmI)
def whoami(who: Viewer) -> Any:
    return s.WhoAmI(name=who.name, role=who.role)


events_router = APIRouter(prefix="/events", tags=["events"])


@events_router.get("", response_model=s.Page[s.Event])
def list_events(session: SessionDep, _: Viewer, q: Annotated[s.EventQuery, Query()]) -> Any:
    """Events with ids above ``after`` (and below ``before``), oldest first; ``next_cursor``
    is the next ``after``. With ``order=desc`` newest first, ``next_cursor`` the next ``before``.
    """
    newest_first = q.order is s.EventOrder.desc
    page = events.list_before if newest_first else events.list_after
    rows = page(session, **q.model_dump(exclude={"order"}))
    more = str(rows[-1].id) if len(rows) == q.limit else None
    return {"items": rows, "next_cursor": more}


def include(api: APIRouter) -> None:
    for router in (agents_router, tokens_router, identity_router, events_router):
        api.include_router(router)
