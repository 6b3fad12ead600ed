"""Dependencies named once so routes read like sentences."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, Header, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vtoc.schemas import MAX_ROW_ID, Role, id_in_text
from vtoc.server import scopes
from vtoc.server.async_reads import AsyncReads
from vtoc.server.auth import Principal, TokenCache, authenticate, hash_token
from vtoc.server.errors import InvalidError
from vtoc.server.hardening import SAFE_METHODS

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="an API token: `vtoc server token create`")


#: Threads for the hot routes' database work (``in_worker``), ``VTOC_DB_THREADS`` of them per
#: process: more than the cores only fight over the GIL. A route holds a connection only
#: inside its hop here. The sync routes keep anyio's default threads: FastAPI serializes
#: their answers in another hop while their session still holds its connection, so they
#: must never wait behind routes that wait for a connection.
DB_WORK = anyio.CapacityLimiter(4)
#: Threads of their own for giving connections back after sync routes, for the same reason.
CLOSING = anyio.CapacityLimiter(8)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request; reads get one without a transaction where that saves round
    trips (``make_read_sessionmaker``). Async, so opening it costs no hop to the thread pool;
    the hot routes close it in their own worker thread, and only a session still holding a
    connection needs a hop here to give it back."""
    state = request.app.state
    reads_only = request.method in SAFE_METHODS
    session: Session = state.read_sessions() if reads_only else state.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(close_session, session, limiter=CLOSING)
        else:
            session.close()  # nothing checked out: no I/O


def close_session(session: Session) -> None:
    try:
        session.close()
    except DBAPIError as exc:
        # The database dropped the connection (restart, pg_terminate_backend) after the
        # answer was sent: the pool has discarded it; raising now would cut the response.
        if not exc.connection_invalidated:
            raise


SessionDep = Annotated[Session, Depends(get_session)]
#: a numeric id in a path: beyond a 64-bit integer it is a 422, not a database error
PathId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def committed(session: Session, answer: T) -> T:
    """A write route's answer: what its service returned, once the transaction (the rows and
    the events recorded with them) is committed."""
    session.commit()
    return answer


def again_if_dropped(session: Session, work: Callable[[], T], *, safe: bool) -> T:
    """``work``, run once more on a fresh connection when the database dropped the one it
    had (a restart, ``pg_terminate_backend``) and ``work`` is safe to repeat."""
    try:
        return work()
    except DBAPIError as exc:
        if not (safe and exc.connection_invalidated):
            raise
        session.close()
        return work()


async def in_worker(session: Session, work: Callable[[], T]) -> T:
    """Run a route's whole work (service, commit, serialization) in one hop to the thread
    pool, giving the connection back in the same hop: hops, not queries, dominate the hot
    routes' cost."""

    def run() -> T:
        try:
            # A read session's connection is not pinged before use (make_read_engine)
            return again_if_dropped(session, work, safe=bool(session.info.get("reads")))
        finally:
            close_session(session)

    return await anyio.to_thread.run_sync(run, limiter=DB_WORK)


def async_reads(request: Request) -> AsyncReads | None:
    """The asyncpg pool for the hottest reads, on PostgreSQL, for a caller whose token sees
    every operation: a scoped one reads through its session, whose ORM statements carry the
    scope (``scopes``). None on SQLite, or before the app's lifespan started the pool."""
    reads: AsyncReads | None = request.app.state.async_reads
    if reads is None or not reads.serving():
        return None
    principal: Principal = request.state.principal
    return reads if principal.operations is None else None


async def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller; a token verified in the last seconds is taken from the cache without a
    hop to the thread pool (see ``TokenCache``). The request's session gets its scope."""
    state = request.app.state
    secret = credentials.credentials if credentials else None
    cache: TokenCache = state.token_cache
    principal = cache.get(hash_token(secret)) if secret else None
    if principal is None:
        principal = await anyio.to_thread.run_sync(
            partial(
                authenticate_then_release,
                session,
                secret,
                touch_after=timedelta(seconds=state.settings.token_touch_seconds),
                cache=cache,
            )
        )
    request.state.principal = principal
    scopes.limit(session, principal.operations)
    if request.method not in SAFE_METHODS:
        request.app.state.limiter.take(f"token:{principal.token_id}")
    return principal


def authenticate_then_release(session: Session, secret: str | None, **options: Any) -> Principal:
    """``authenticate``, then give the connection back to the pool before the route's own
    hop to the thread pool: a request must not hold a connection while it waits for a
    thread, or a burst of new tokens could take every connection and every thread at once."""
    try:
        # safe to repeat; before, the first request per worker with an uncached token after
        # a dropped connection answered 503 while route work retried
        work = partial(authenticate, session, secret, **options)
        return again_if_dropped(session, work, safe=True)
    finally:
        close_session(session)


def role(required: Role) -> Principal:
    async def check(
        request: Request,
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        # One dependency, not two: FastAPI spends ~20 µs solving each, on every request.
        principal = await get_principal(request, session, credentials)
        principal.require(required)
        return principal

    return Depends(check)  # type: ignore[no-any-return]


Viewer = Annotated[Principal, role(Role.viewer)]
Operator = Annotated[Principal, role(Role.operator)]
Admin = Annotated[Principal, role(Role.admin)]


async def parse_if_match(
    if_match: Annotated[
        str | None, Header(description='the version you last read, e.g. "3"')
    ] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?([0-9]+)"?\s*', if_match)
    version = id_in_text(match.group(1)) if match else None
    if version is None:
        raise InvalidError("If-Match", 'expected a version such as "3"')
    return version


IfMatch = Annotated[int | None, Depends(parse_if_match)]


def etag(version: int) -> str:
    """A row's version as its ``ETag``: the value ``If-Match`` takes back."""
    return f'"{version}"'


@dataclass(frozen=True)
class NoneMatch:
    """The versions an ``If-None-Match`` names (``*``: whichever the row has)."""

    versions: frozenset[int]
    anything: bool = False

    def has(self, version: int) -> bool:
        return self.anything or version in self.versions


async def parse_if_none_match(
    if_none_match: Annotated[
        str | None, Header(description='the ETag you hold, e.g. "3": a 304 if it is current')
    ] = None,
) -> NoneMatch | None:
    if if_none_match is None:
        return None
    if if_none_match.strip() == "*":
        return NoneMatch(frozenset(), anything=True)
    # a tag that is not one of ours (another server's, a mangled one) matches no version
    tags = (re.fullmatch(r'\s*(?:W/)?"([0-9]+)"\s*', tag) for tag in if_none_match.split(","))
    versions = (id_in_text(found.group(1)) for found in tags if found)
    return NoneMatch(frozenset(v for v in versions if v is not None))


IfNoneMatch = Annotated[NoneMatch | None, Depends(parse_if_none_match)]


#: a versioned row's show route, in the OpenAPI
TAGGED_DOC = (
    "Its `ETag` is its version, as `If-Match` takes it; with `If-None-Match` naming that "
    "version the answer is a 304 without a body."
)
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the version you hold is current"}
}


def tagged(response: Response, version: int, none_match: NoneMatch | None) -> Response:
    """``response`` with the row's version as its ``ETag``; a bodiless 304 instead when that
    version is the one the client holds (``If-None-Match``)."""
    if none_match is not None and none_match.has(version):
        return Response(status_code=304, headers={"ETag": etag(version)})
    response.headers["ETag"] = etag(version)
    return response


IdempotencyKey = Annotated[
    str | None,
    Header(max_length=200, description="retry-safe POST: the same key and body, the same answer"),
]
