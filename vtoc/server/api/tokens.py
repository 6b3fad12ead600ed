"""``/tokens`` (admin only) and ``/whoami``: who may call the API, and who is calling."""

from typing import Any

from fastapi import APIRouter, Request

from vtoc import schemas as s
from vtoc.server.api.deps import Admin, SessionDep, Viewer, committed
from vtoc.server.services import tokens

router = APIRouter(prefix="/tokens", tags=["tokens"])
identity_router = APIRouter(tags=["identity"])


@router.get("", response_model=s.Page[s.Token])
def list_tokens(session: SessionDep, _: Admin) -> Any:
    return {"items": tokens.list_all(session), "next_cursor": None}


@router.post("", response_model=s.TokenCreated, status_code=201)
def create_token(data: s.TokenCreate, session: SessionDep, who: Admin) -> Any:
    """Create a token; its secret is in this answer and nowhere else, ever.

    No Idempotency-Key here: replaying would mean storing the secret. Names are unique, so
    a retried create answers 409 instead of making a second token.
    """
    return committed(session, tokens.create(session, actor=who.name, data=data))


@router.delete("/{ref}", response_model=s.Token)
def revoke_token(ref: str, request: Request, session: SessionDep, who: Admin) -> Any:
    """Revoke a token: it stops working at once. The row stays for the audit trail."""
    token = tokens.revoke(session, actor=who.name, ref=ref)
    session.commit()
    request.app.state.token_cache.clear()  # other processes: through the token.revoked event
    return token


@identity_router.get("/whoami", response_model=s.WhoAmI)
def whoami(who: Viewer) -> Any:
    return s.WhoAmI(name=who.name, role=who.role)
