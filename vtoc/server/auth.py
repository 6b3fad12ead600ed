"""API tokens: random secrets shown once, stored as SHA-256, with roles."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    #: the operations it may see (``vtoc.server.scopes``); None: all of them
    operations: frozenset[int] | None = None

    @classmethod
    def of(cls, token: ApiToken) -> Principal:
        scope = token.operation_ids
        operations = None if scope is None else frozenset(scope)
        return cls(name=token.name, role=token.role, token_id=token.id, operations=operations)

    def require(self, role: Role) -> None:
        if self.role.rank < role.rank:
            raise PermissionDeniedError(
                f"this needs the {role} role; token {self.name!r} has {self.role}"
            )


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class TokenCache:
    """Tokens verified in the last few seconds, by hash: most requests then cost no token
    query and no hop to the thread pool.

    A hit is trusted until the first of: the TTL, the token's expiry, its next last-used
    touch (so the touch still happens). Revoking clears this process's cache at once and
    every other process's through the ``token.revoked`` event; the TTL bounds how long a
    lost notification could matter.
    """

    def __init__(self, ttl: timedelta = timedelta(seconds=10), size: int = 1024) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[str, tuple[Principal, datetime]] = {}

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        principal, until = entry
        if utcnow() >= until:
            self._entries.pop(token_hash, None)
            return None
        return principal

    def put(self, token_hash: str, principal: Principal, until: datetime) -> None:
        if len(self._entries) >= self.size:  # many tokens in a few seconds: start over
            self._entries.clear()
        self._entries[token_hash] = (principal, until)

    def clear(self) -> None:
        self._entries.clear()


def authenticate(
    session: Session,
    secret: str | None,
    *,
    touch_after: timedelta,
    cache: TokenCache | None = None,
) -> Principal:
    """Resolve a bearer secret to its principal, or refuse with 401."""
    if not secret:
        raise AuthenticationError("missing bearer token (Authorization: Bearer <token>)")
    token_hash = hash_token(secret)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
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
    principal = Principal.of(token)
    if cache is not None:
        until = min(now + cache.ttl, token.last_used_at + touch_after)
        if token.expires_at is not None:
            until = min(until, token.expires_at)
        cache.put(token_hash, principal, until)
    return principal


HMAC_ACTOR = "hmac"
CLI_ACTOR = "vtoc-admin-cli"  # vtoc server token create, straight to the database
DEMO_ACTOR = "demo"  # vtoc demo seed
#: the names the server writes events under itself: no token may pass for them
SERVER_ACTORS = frozenset({HMAC_ACTOR, CLI_ACTOR, DEMO_ACTOR})
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
    # Written so that NaN fails it too: "nan" signed once would otherwise never expire.
    if not abs(now - sent_at) <= HMAC_WINDOW.total_seconds():
        raise AuthenticationError("X-Vtoc-Timestamp: outside the 5-minute window")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    given = signature.removeprefix("sha256=").strip().lower()
    # Bytes: compare_digest refuses str with non-ASCII characters (a header may hold them).
    if not hmac.compare_digest(expected.hexdigest().encode(), given.encode()):
        raise AuthenticationError("X-Vtoc-Signature: does not match the body")
    return Principal(name=HMAC_ACTOR, role=Role.operator)
