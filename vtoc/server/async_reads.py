"""The hottest reads (and creates) on PostgreSQL through asyncpg, on the event loop: no
thread hop.

A read through the synchronous engine costs two hops to the thread pool and back, a
``Session``, and SQLAlchemy's execution machinery around one round trip; on a show request
that was most of vTOC's CPU (docs/benchmarks.md, "Hot path"). Here a statement is still
built with SQLAlchemy, compiled once per shape (SQLAlchemy's own cache key, as its engines
use) and sent by asyncpg with its values. Statements whose values change their SQL (an
``IN`` list expands into one placeholder per value) are left to the synchronous path:
``prepare`` answers None for them. SQLite has no such pool; its reads stay synchronous.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from vtoc.server import metrics
from vtoc.server.errors import DatabaseUnavailableError

T = TypeVar("T")

DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
#: connections per worker process (the synchronous engines keep up to 30 each besides)
POOL_SIZE = 10
#: statement shapes kept compiled (the list's filters make a few dozen at most)
CACHE_SIZE = 256
#: answers kept for ``fetchrow_kept`` (the first pages of intel, by limit: a handful)
KEPT_SIZE = 16
#: what the database can see right now: two equal snapshots see the same rows
SNAPSHOT = "SELECT pg_current_snapshot()::text"
#: a connection the database dropped (restart, ``pg_terminate_backend``): worth one retry.
#: Cut in the middle of a statement, asyncpg may instead find its protocol in a state it
#: cannot go on from (InternalClientError: "another operation is in progress").
DROPPED = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    ConnectionError,
)
#: the database is not answering: 503, as the synchronous path's OperationalError (which
#: is also what psycopg2 raises when PostgreSQL has no room for another connection)
DOWN = (
    *DROPPED,
    OSError,
    asyncio.TimeoutError,
    asyncpg.QueryCanceledError,
    asyncpg.TooManyConnectionsError,
    asyncpg.CannotConnectNowError,
)

Processors = list[tuple[str, Callable[[Any], Any] | None]]


def plain_url(url: str) -> str:
    """asyncpg takes ``postgresql://``, not SQLAlchemy's ``postgresql+driver://``."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class AsyncReads:
    """A small asyncpg pool in autocommit (asyncpg's default: one statement, no BEGIN), a
    compiled-statement cache, and the pool gauges the synchronous engines keep too."""

    def __init__(
        self,
        url: str,
        *,
        statement_timeout_ms: int,
        size: int = POOL_SIZE,
        acquire_timeout: float = 10,
    ) -> None:
        self.url = plain_url(url)
        self.statement_timeout_ms = statement_timeout_ms
        self.size = size
        self.acquire_timeout = acquire_timeout
        self.pool: asyncpg.Pool | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.compiled: dict[Any, tuple[SQLCompiler, Processors, ClauseElement]] = {}
        #: reads between their acquire and the end of their release
        self.held = 0
        #: ``fetchrow_kept``'s answers: the snapshot each was read after, and its read
        self.kept: dict[tuple[Any, ...], tuple[str, asyncio.Future[asyncpg.Record | None]]] = {}

    async def start(self) -> None:
        """Called by the app's lifespan: the pool belongs to the serving event loop."""
        self.loop = asyncio.get_running_loop()
        settings = {"statement_timeout": str(self.statement_timeout_ms)}
        self.pool = await asyncpg.create_pool(
            self.url,
            min_size=0,
            max_size=self.size,
            server_settings=settings if self.statement_timeout_ms else {},
            reset=keep_session,
            timeout=self.acquire_timeout,  # opening a connection (``connection`` says why)
        )

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    def serving(self) -> bool:
        """Whether the pool serves this event loop (an app without its lifespan, as a
        ``TestClient`` outside ``with`` runs it, reads through the synchronous path)."""
        return self.pool is not None and self.loop is asyncio.get_running_loop()

    def prepare(
        self, statement: ClauseElement, values: dict[str, Any] | None = None
    ) -> tuple[str, list[Any]] | None:
        """The SQL and its values in placeholder order, or None for a statement asyncpg
        cannot take as compiled once (expanding ``IN`` lists). With ``values``, the statement
        is one built once with named parameters (``bindparam``) and is compiled once; without,
        it is built per request and compiled once per shape (SQLAlchemy's cache key, as its
        engines key their cache: building the key costs a little, compiling a lot)."""
        key = None if values is not None else statement._generate_cache_key()
        shape = id(statement) if key is None else key.key
        entry = self.compiled.get(shape)
        if entry is None:
            compiled = statement.compile(dialect=DIALECT, cache_key=key)
            assert isinstance(compiled, SQLCompiler)
            if compiled.post_compile_params or compiled.literal_execute_params:
                return None
            processors: Processors = [
                (name, compiled.binds[name].type._cached_bind_processor(DIALECT))
                for name in compiled.positiontup or ()
            ]
            if len(self.compiled) >= CACHE_SIZE:
                self.compiled.clear()
            # the statement too: an id is only unique while its object lives
            self.compiled[shape] = entry = (compiled, processors, statement)
        compiled, processors, _ = entry
        bound = (
            compiled.construct_params(values)
            if key is None
            else compiled.construct_params(extracted_parameters=key.bindparams)
        )
        return str(compiled), [
            bound[name] if process is None else process(bound[name]) for name, process in processors
        ]

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection, counted in the pool gauges while out. Cancelled (a request
        timeout, a client gone) it still goes back: asyncpg's release is shielded.

        asyncpg bounds an acquire with ``wait_for`` (a task of its own) and then the release
        with the same timeout (a timer), ~7 µs of CPU a read together: the bound is asked
        only where something can wait, for a connection while all are out (``held``; opening
        one is bounded by the pool's connect timeout) and for a statement cut short to be
        cancelled on the server before its connection goes back."""
        pool = self.pool
        assert pool is not None, "AsyncReads.start() first"  # see serving()
        timeout = self.acquire_timeout if self.held >= self.size else None
        self.held += 1
        try:
            conn = await pool.acquire(timeout=timeout)
            metrics.DB_POOL_CHECKED_OUT.inc()
            try:
                yield conn
            except BaseException as exc:
                metrics.DB_POOL_CHECKED_OUT.dec()
                if isinstance(exc, asyncpg.InternalClientError):
                    conn.terminate()  # never handed out again: the pool opens a fresh one
                await pool.release(conn, timeout=self.acquire_timeout)
                raise
            metrics.DB_POOL_CHECKED_OUT.dec()
            await pool.release(conn)
        finally:
            self.held -= 1

    async def fetchrow(
        self, statement: ClauseElement, values: dict[str, Any] | None = None
    ) -> asyncpg.Record | NotPrepared | None:
        """The statement's first row (None: no rows), once more on a fresh connection when
        the database dropped the first; ``NOT_PREPARED`` when ``prepare`` refused it."""
        return await self.read("fetchrow", statement, values)

    async def fetch(
        self, statement: ClauseElement, values: dict[str, Any] | None = None
    ) -> list[asyncpg.Record] | NotPrepared:
        """The statement's rows, as ``fetchrow``."""
        rows: list[asyncpg.Record] | NotPrepared = await self.read("fetch", statement, values)
        return rows

    async def read(self, how: str, statement: ClauseElement, values: dict[str, Any] | None) -> Any:
        """The statement through the connection's method ``how`` (asyncpg's ``fetchrow`` or
        ``fetch``), as ``fetchrow`` says."""
        prepared = self.prepare(statement, values)
        if prepared is None:
            return NOT_PREPARED
        sql, args = prepared
        return await self.again_if_dropped(lambda conn: getattr(conn, how)(sql, *args))

    async def fetchrow_kept(
        self, statement: ClauseElement, values: dict[str, Any]
    ) -> asyncpg.Record | NotPrepared | None:
        """``fetchrow`` for a statement built once that many callers read with the same
        values (the first page of intel, which every list and dashboard polls): its last
        answer is given again, for one trivial round trip instead of the statement, while the
        database's snapshot is the one taken before that answer was read.

        A snapshot (``pg_current_snapshot()``) names the transactions a statement sees. Any
        commit or rollback in the cluster changes it (``xmax`` moves on, or a transaction
        leaves the in-progress list), and an earlier one never comes back; so while it is
        unchanged no row can have changed, however it was written (the API, ingest's COPY,
        the agents, psql). The answer is read after its snapshot, so it may see more than the
        snapshot names, never less; it is given again only while nothing ended since. Callers
        that find the same snapshot while the statement runs wait for that one read."""
        prepared = self.prepare(statement, values)
        if prepared is None:
            return NOT_PREPARED
        sql, args = prepared
        key = (sql, *args)
        snapshot: str = await self.again_if_dropped(lambda conn: conn.fetchval(SNAPSHOT))
        kept = self.kept.get(key)
        if kept is None or kept[0] != snapshot:
            metrics.KEPT_READS_MISSED.inc()
            read = asyncio.ensure_future(
                self.again_if_dropped(lambda conn: conn.fetchrow(sql, *args))
            )
            read.add_done_callback(partial(self.forget_failed, key))
            if len(self.kept) >= KEPT_SIZE and key not in self.kept:
                del self.kept[next(iter(self.kept))]
            self.kept[key] = kept = (snapshot, read)
        else:
            metrics.KEPT_READS_HIT.inc()
        # shielded: a caller that goes away (a disconnect, a timeout) leaves the read to
        # the others that wait for it
        return await asyncio.shield(kept[1])

    def forget_failed(self, key: tuple[Any, ...], read: asyncio.Future[Any]) -> None:
        """A read that failed (or was cancelled, at shutdown) is not kept: the next caller
        reads again, whatever the snapshot. Asking for its exception here also spares the
        loop's "never retrieved" warning when every caller went away before it ended."""
        failed = read.cancelled() or read.exception() is not None
        if failed and (kept := self.kept.get(key)) is not None and kept[1] is read:
            del self.kept[key]

    async def again_if_dropped(self, read: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """``read`` once more on a fresh connection when the database dropped the first."""
        try:
            try:
                async with self.connection() as conn:
                    return await read(conn)
            except DROPPED:
                async with self.connection() as conn:
                    return await read(conn)
        except DOWN as exc:
            raise DatabaseUnavailableError("the database did not answer; retry shortly") from exc

    async def once(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """``work`` on one pooled connection, not repeated when the database dropped it: a
        write may have committed before the connection went (its statements carry what
        makes a retry safe, such as an ``Idempotency-Key``, or the client retries)."""
        try:
            async with self.connection() as conn:
                return await work(conn)
        except DOWN as exc:
            raise DatabaseUnavailableError("the database did not answer; retry shortly") from exc


def json_value(value: Any) -> Any:
    """The value of a JSON column that holds objects or arrays: asyncpg hands JSON over as
    its text, SQLAlchemy decoded."""
    return json.loads(value) if isinstance(value, str) else value


async def keep_session(_: asyncpg.Connection) -> None:
    """Nothing to undo when a connection goes back: these reads are single statements that
    change no session state (no SET, LISTEN, advisory lock or cursor), and asyncpg's default
    reset would cost a round trip per read. asyncpg still rolls back an open transaction."""


class NotPrepared:
    """``fetchrow``'s answer for a statement left to the synchronous path."""


NOT_PREPARED = NotPrepared()
