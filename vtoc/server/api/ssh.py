"""SSH keys enrolled for ``vtoc ssh serve`` and the tokens its sessions act with (admin)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from vtoc import schemas as s
from vtoc.server.api.deps import Admin, SessionDep, committed
from vtoc.server.services import ssh_keys

router = APIRouter(prefix="/ssh", tags=["ssh"])


@router.get("/keys", response_model=s.Page[s.SshKey])
def list_keys(session: SessionDep, _: Admin, q: Annotated[s.SshKeyQuery, Query()]) -> Any:
    """Every key, or the one with ``fingerprint`` (the SSH server's question at each login)."""
    return {"items": ssh_keys.list_all(session, fingerprint=q.fingerprint), "next_cursor": None}


@router.post("/keys", response_model=s.SshKey, status_code=201)
def enroll_key(data: s.SshKeyCreate, session: SessionDep, who: Admin) -> Any:
    """Enrol a public key: whoever holds its private half logs in as ``name`` with ``role``.
    Names and keys are unique, so a retried enrolment answers 409."""
    return committed(session, ssh_keys.enroll(session, actor=who.name, data=data))


@router.delete("/keys/{ref}", response_model=s.SshKey)
def revoke_key(ref: str, session: SessionDep, who: Admin) -> Any:
    """Revoke a key: new SSH sessions with it are refused. The row stays for the audit."""
    return committed(session, ssh_keys.revoke(session, actor=who.name, ref=ref))


@router.post("/sessions", response_model=s.TokenCreated, status_code=201)
def open_session(data: s.SshSessionCreate, session: SessionDep, who: Admin) -> Any:
    """A short-lived token as the enrolled key's identity, for one SSH session, recorded as
    ``ssh.session_opened``; the SSH server closes it (``DELETE /ssh/sessions/{id}``) when
    the session ends."""
    return committed(
        session,
        ssh_keys.open_session(
            session, actor=who.name, fingerprint=data.fingerprint, client=data.client
        ),
    )


@router.delete("/sessions/{token_id}", response_model=s.SshSession)
def close_session(token_id: int, request: Request, session: SessionDep, who: Admin) -> Any:
    """The session ended: its token is revoked and ``ssh.session_closed`` recorded with
    the session's duration. Safe to resend."""
    closed = ssh_keys.close_session(session, actor=who.name, token_id=token_id)
    session.commit()
    request.app.state.token_cache.clear()  # as a revoked token's: it stops working at once
    return closed
