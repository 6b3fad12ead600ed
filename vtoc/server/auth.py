"""API tokens: random secrets shown once, stored as SHA-256, with roles."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vtoc.schemas import Role
from vtoc.server.db import utcnow
from vtoc.server.errors import AuthenticationError, PermissionDeniedError
from vtoc.server.models import ApiToken

TOKEN_PREFIX = "vtoc_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's name is the actor recorded on every event."""

    name: str
    role: Role
    token_id: int | None = None

    def require(self, role: Role) -> None:
        if self.role.rank < role.rank:
            raise PermissionDeniedError(
                f"this needs the {role} role; token {self.name!r} has {self.role}"
            )


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def authenticate(session: Session, secret: str | None, *, touch_after: timedelta) -> Principal:
    """Resolve a bearer secret to its principal, or refuse with 401."""
    if not secret:
        raise AuthenticationError("missing bearer token (Authorization: Bearer <token>)")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = utcnow()
    if token is None:
        raise AuthenticationError("unknown token")
    if token.revoked_at is not None:
        raise AuthenticationError(f"token {token.name!r} was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthenticationError(f"token {token.name!r} expired")
    if token.last_used_at is None or now - token.last_used_at > touch_after:
        # Throttled so that reads do not turn into a write per request.
        token.last_used_at = now
        session.commit()
    return Principal(name=token.name, role=token.role, token_id=token.id)


HMAC_ACTOR = "hmac"
HMAC_WINDOW = timedelta(minutes=5)


def verify_hmac(
    secret: str | None,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
) -> Principal:
    """Accept a sender that signs instead of holding a token (Wazuh, n8n).

    ``signature`` is ``sha256=HEX(HMAC(secret, timestamp + "." + body))``; the timestamp is
    Unix seconds within five minutes of ours, so a captured request cannot be replayed later.
    """
    if not secret:
        raise AuthenticationError("HMAC ingest is disabled: set VTOC_INGEST_HMAC_SECRET")
    if not timestamp or not signature:
        raise AuthenticationError("missing X-Vtoc-Timestamp or X-Vtoc-Signature")
    try:
        sent_at = float(timestamp)
    except ValueError:
        raise AuthenticationError("X-Vtoc-Timestamp: expected Unix seconds") from None
    if abs(now - sent_at) > HMAC_WINDOW.total_seconds():
        raise AuthenticationError("X-Vtoc-Timestamp: outside the 5-minute window")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    given = signature.removeprefix("sha256=")
    if not hmac.compare_digest(expected.hexdigest(), given.strip().lower()):
        raise AuthenticationError("X-Vtoc-Signature: does not match the body")
    return Principal(name=HMAC_ACTOR, role=Role.operator)
