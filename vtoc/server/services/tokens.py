"""API token management: create (secret shown once), list, revoke."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.auth import SERVER_ACTORS, hash_token, new_secret
from vtoc.server.db import utcnow
from vtoc.server.errors import ConflictError, InvalidError, NotFoundError
from vtoc.server.models import ApiToken, SshKey
from vtoc.server.services import refs


def create(session: Session, *, actor: str, data: s.TokenCreate) -> s.TokenCreated:
    if data.name in SERVER_ACTORS:
        raise InvalidError("name", f"{data.name!r} is a name the server writes events under")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise InvalidError("expires_at", "already past: the token could never be used")
    scope = operation_scope(session, data.operations, role=data.role)
    if session.scalar(select(ApiToken.id).where(ApiToken.name == data.name)) is not None:
        raise ConflictError(f"name: a token named {data.name!r} exists")
    secret = new_secret()
    token = ApiToken(
        name=data.name,
        role=data.role,
        token_hash=hash_token(secret),
        prefix=secret[:12],
        expires_at=data.expires_at,
        operation_ids=scope,
    )
    session.add(token)
    session.flush()
    described: dict[str, Any] = {"name": token.name, "role": token.role.value}
    if scope is not None:
        described["operation_ids"] = scope
    events.record(
        session,
        actor=actor,
        kind=s.EventKind.token_created,
        entity=s.Entity.token,
        entity_id=token.id,
        data=described,
    )
    return s.TokenCreated(**s.Token.model_validate(token).model_dump(), token=secret)


def operation_scope(
    session: Session, operations: Sequence[int | str] | None, *, role: s.Role
) -> list[int] | None:
    """The ids of the operations a token (or SSH key) is limited to; None: unlimited. An
    admin manages tokens, so an admin limited to some operations could mint itself an
    unlimited one: refused."""
    if operations is None:
        return None
    if role is s.Role.admin:
        raise InvalidError("operations", "an admin cannot be limited to operations")
    from vtoc.server.services.operations import operations as all_operations

    ids = []
    for ref in operations:
        try:
            ids.append(all_operations.get(session, ref).id)
        except NotFoundError:
            raise InvalidError("operations", f"no operation {ref!r}") from None
    return sorted(set(ids))


def in_force(session: Session, secret: str) -> bool:
    """Whether a token's secret is stored and not revoked (a saved context still works)."""
    found = session.scalar(
        select(ApiToken.id).where(
            ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None)
        )
    )
    return found is not None


def list_all(session: Session) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).order_by(ApiToken.id)).all()


def get(session: Session, ref: int | str) -> ApiToken:
    return refs.resolve(
        session, ApiToken, ref, entity=s.Entity.token, columns=("name",), label=lambda t: t.name
    )


def revoke(session: Session, *, actor: str, ref: int | str) -> ApiToken:
    token = get(session, ref)
    mark_revoked(session, token, actor=actor, entity=s.Entity.token, data={"name": token.name})
    return token


def mark_revoked(
    session: Session,
    row: ApiToken | SshKey,
    *,
    actor: str,
    entity: s.Entity,
    data: dict[str, Any],
) -> None:
    """Revoke once: the row stays, for the audit trail; a second revoke changes nothing."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        events.record(
            session,
            actor=actor,
            kind=s.EventKind.of(entity, "revoked"),
            entity=entity,
            entity_id=row.id,
            data=data,
        )
