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
from vtoc.server.models import SshKey
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
    if session.scalar(select(SshKey.id).where(SshKey.name == data.name)) is not None:
        raise ConflictError(f"name: an SSH key named {data.name!r} exists")
    if session.scalar(select(SshKey.id).where(SshKey.fingerprint == fingerprint)) is not None:
        raise ConflictError(f"public_key: this key ({fingerprint}) is enrolled already")
    key = SshKey(
        name=data.name,
        role=data.role,
        public_key=line,
        fingerprint=fingerprint,
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


def list_all(session: Session) -> Sequence[SshKey]:
    return session.scalars(select(SshKey).order_by(SshKey.id)).all()


def revoke(session: Session, *, actor: str, ref: int | str) -> SshKey:
    key = refs.resolve(
        session, SshKey, ref, entity=s.Entity.ssh_key, columns=("name",), label=lambda k: k.name
    )
    data = {"name": key.name, "fingerprint": key.fingerprint}
    tokens.mark_revoked(session, key, actor=actor, entity=s.Entity.ssh_key, data=data)
    return key


def open_session(session: Session, *, actor: str, fingerprint: str) -> s.TokenCreated:
    """A token acting as the key's identity for one SSH session; revoked keys get none."""
    key = session.scalar(
        select(SshKey).where(SshKey.fingerprint == fingerprint, SshKey.revoked_at.is_(None))
    )
    if key is None:
        raise NotFoundError(f"no enrolled SSH key {fingerprint}")
    data = s.TokenCreate(
        name=f"ssh.{key.name}.{secrets.token_hex(4)}",
        role=key.role,
        expires_at=utcnow() + SESSION_TOKEN_TTL,
    )
    return tokens.create(session, actor=actor, data=data)
