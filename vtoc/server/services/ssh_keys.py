"""Public keys enrolled for ``vtoc ssh serve``, and the short-lived tokens its sessions act
with: the SSH server holds no identity of its own beyond the admin token that mints them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.db import utcnow
from vtoc.server.errors import ConflictError, InvalidError, NotFoundError
from vtoc.server.models import EventRow, Operation, SshKey
from vtoc.server.services import refs, tokens

MAX_NAME = 80
SESSION_TOKEN_TTL = timedelta(hours=12)
"""A session token outlives no working day even if the SSH server dies before revoking it."""


def parse_key(public_key: str) -> tuple[str, str]:
    """The key line as stored (algorithm and data, no comment) and its ``SHA256:…``
    fingerprint, as ``ssh-keygen -lf`` prints it; read by asyncssh, the SSH server's own
    parser, so that what is enrolled is what it will accept."""
    import asyncssh

    try:
        key = asyncssh.import_public_key(public_key.encode("utf-8"))
    except (asyncssh.KeyImportError, ValueError, UnicodeError, TypeError):
        raise InvalidError("public_key", "not an OpenSSH public key line") from None
    line = key.export_public_key("openssh").decode().split()
    return " ".join(line[:2]), key.get_fingerprint("sha256")


def enroll(session: Session, *, actor: str, data: s.SshKeyCreate) -> SshKey:
    if len(data.name) > MAX_NAME:
        raise InvalidError("name", f"at most {MAX_NAME} characters: session tokens add to it")
    line, fingerprint = parse_key(data.public_key)
    scope = tokens.operation_scope(session, data.operations, role=data.role)
    if session.scalar(select(SshKey.id).where(SshKey.name == data.name)) is not None:
        raise ConflictError(f"name: an SSH key named {data.name!r} exists")
    if session.scalar(select(SshKey.id).where(SshKey.fingerprint == fingerprint)) is not None:
        raise ConflictError(f"public_key: this key ({fingerprint}) is enrolled already")
    key = SshKey(
        name=data.name,
        role=data.role,
        public_key=line,
        fingerprint=fingerprint,
        operation_ids=scope,
    )
    session.add(key)
    session.flush()
    events.record(
        session,
        actor=actor,
        kind=s.EventKind.ssh_key_enrolled,
        entity=s.Entity.ssh_key,
        entity_id=key.id,
        data={"name": key.name, "role": key.role.value, "fingerprint": fingerprint},
    )
    return key


def list_all(session: Session, *, fingerprint: str | None = None) -> Sequence[SshKey]:
    query = select(SshKey).order_by(SshKey.id)
    if fingerprint is not None:
        query = query.where(SshKey.fingerprint == fingerprint)
    return session.scalars(query).all()


def revoke(session: Session, *, actor: str, ref: int | str) -> SshKey:
    key = refs.resolve(
        session, SshKey, ref, entity=s.Entity.ssh_key, columns=("name",), label=lambda k: k.name
    )
    data = {"name": key.name, "fingerprint": key.fingerprint}
    tokens.mark_revoked(session, key, actor=actor, entity=s.Entity.ssh_key, data=data)
    return key


def open_session(
    session: Session, *, actor: str, fingerprint: str, client: str = ""
) -> s.TokenCreated:
    """A token acting as the key's identity for one SSH session; revoked keys get none.
    The session is in the audit log from here on, under the token's id."""
    key = session.scalar(
        select(SshKey).where(SshKey.fingerprint == fingerprint, SshKey.revoked_at.is_(None))
    )
    if key is None:
        raise NotFoundError(f"no enrolled SSH key {fingerprint}")
    data = s.TokenCreate(
        name=f"ssh.{key.name}.{secrets.token_hex(4)}",
        role=key.role,
        expires_at=utcnow() + SESSION_TOKEN_TTL,
        operations=still_there(session, key.operation_ids),
    )
    token = tokens.create(session, actor=actor, data=data)
    opened = {"key": key.name, "fingerprint": fingerprint, "client": client}
    events.record(
        session,
        actor=actor,
        kind=s.EventKind.ssh_session_opened,
        entity=s.Entity.ssh,
        entity_id=token.id,
        data=opened,
    )
    return token


def still_there(session: Session, operation_ids: list[int] | None) -> list[int | str] | None:
    """A key's scope less the operations deleted since: none left still means none."""
    if operation_ids is None:
        return None
    query = select(Operation.id).where(Operation.id.in_(operation_ids))
    return list(session.scalars(query))


def close_session(session: Session, *, actor: str, token_id: int) -> s.SshSession:
    """Revoke the session's token and record how long the session lasted; closing twice
    records it once."""
    opened = session.scalar(
        select(EventRow)
        .where(
            EventRow.entity == s.Entity.ssh,
            EventRow.entity_id == token_id,
            EventRow.kind == s.EventKind.ssh_session_opened,
        )
        .limit(1)
    )
    if opened is None:
        raise NotFoundError(f"no SSH session {token_id}")
    token = tokens.get(session, token_id)
    closing = token.revoked_at is None
    tokens.mark_revoked(
        session, token, actor=actor, entity=s.Entity.token, data={"name": token.name}
    )
    closed_at = token.revoked_at or utcnow()
    duration = round((closed_at - opened.ts).total_seconds(), 3)
    if closing:
        events.record(
            session,
            actor=actor,
            kind=s.EventKind.ssh_session_closed,
            entity=s.Entity.ssh,
            entity_id=token_id,
            data={**opened.data, "duration_seconds": duration},
        )
    return s.SshSession(
        token_id=token_id,
        **opened.data,
        opened_at=opened.ts,
        closed_at=closed_at,
        duration_seconds=duration,
    )
