"""Event-stream tickets: a browser's EventSource cannot send ``Authorization``, so it trades
its token for a short-lived, single-use ticket it can put in the stream's URL.

Tickets live in the database (hashed, like tokens) so that any server replica can redeem a
ticket another one issued; a URL that leaks into a log is worthless after first use or 60 s.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.auth import Principal, hash_token
from vtoc.server.db import utcnow
from vtoc.server.errors import AuthenticationError
from vtoc.server.models import ApiToken, EventTicket

TICKET_PREFIX = "vtkt_"


def issue(session: Session, *, principal: Principal, ttl: timedelta) -> s.EventTicket:
    """A ticket that stands for ``principal``'s token until it is used or expires."""
    if principal.token_id is None:
        raise AuthenticationError("only API tokens can be exchanged for a stream ticket")
    now = utcnow()
    # Spent and expired tickets are useless; sweep them while we are writing anyway.
    session.execute(delete(EventTicket).where(EventTicket.expires_at < now))
    secret = TICKET_PREFIX + secrets.token_urlsafe(24)
    ticket = EventTicket(
        ticket_hash=hash_token(secret), token_id=principal.token_id, expires_at=now + ttl
    )
    session.add(ticket)
    session.flush()
    return s.EventTicket(ticket=secret, expires_at=ticket.expires_at)


def redeem(session: Session, secret: str) -> Principal:
    """Spend a ticket and return its token's principal, or refuse with 401.

    One conditional UPDATE marks it used: of two concurrent redemptions, on any number of
    replicas, the database lets exactly one match ``used_at IS NULL``.
    """
    now = utcnow()
    token_id = session.scalar(
        update(EventTicket)
        .where(
            EventTicket.ticket_hash == hash_token(secret),
            EventTicket.used_at.is_(None),
            EventTicket.expires_at > now,
        )
        .values(used_at=now)
        .returning(EventTicket.token_id)
    )
    session.commit()
    if token_id is None:
        raise AuthenticationError("unknown, expired or already used stream ticket")
    token = session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        raise AuthenticationError("the token behind this ticket was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthenticationError(f"token {token.name!r} expired")
    return Principal.of(token)
