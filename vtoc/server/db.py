"""Engine and session setup for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, TypeDecorator, create_engine, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from vtoc.server.errors import ConflictError

T = TypeVar("T")
#: tries of a batch whose unique keys a concurrent batch took meanwhile
ATTEMPTS = 3


def utcnow() -> datetime:
    return datetime.now(UTC)


def again_after_lost_race(session: Session, run: Callable[[], T]) -> T:
    """``run`` from the start once more when a concurrent writer stored a row it meant to
    store (an alert id, a new asset's name) between its look-up and its insert: the unique
    key refuses the insert (or a service refuses the taken name), and the next run's
    look-ups see the other's row. The caller commits."""
    for _ in range(ATTEMPTS - 1):
        try:
            return run()
        except (IntegrityError, ConflictError):
            session.rollback()
    return run()


def on_postgres(session: Session) -> bool:
    """Whether the session's database is PostgreSQL (where bulk paths use COPY, arrays,
    advisory locks) rather than the embedded SQLite."""
    return session.get_bind().dialect.name == "postgresql"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both databases (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def with_driver(url: str) -> URL:
    """A plain ``postgresql://`` URL (compose's, Terraform's) means psycopg2: the driver the
    ``postgres`` extra installs, whose COPY the bulk writes use. SQLAlchemy 2.1 would pick
    psycopg 3 for it, which is not installed."""
    parsed = make_url(url)
    return (
        parsed.set(drivername="postgresql+psycopg2")
        if parsed.drivername == "postgresql"
        else parsed
    )


def make_engine(url: str, *, statement_timeout_ms: int | None = None, **kwargs: Any) -> Engine:
    """An engine tuned per backend: WAL and foreign keys on SQLite, pre-ping on PostgreSQL.

    Pre-ping replaces connections the database dropped (restart, ``pg_terminate_backend``);
    ``statement_timeout_ms`` bounds every PostgreSQL statement so no request waits forever.
    """
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_timeout", 10)
    if statement_timeout_ms:
        kwargs.setdefault(
            "connect_args", {"options": f"-c statement_timeout={statement_timeout_ms}"}
        )
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(with_driver(url), **kwargs)


def make_read_engine(url: str, engine: Engine, **kwargs: Any) -> Engine:
    """The engine for requests that only read (GET): on PostgreSQL a pool of its own whose
    connections stay in autocommit and are not pinged before use. A read then costs its own
    statements and nothing else: no ``SELECT 1``, ``BEGIN`` and ``ROLLBACK`` around them
    (three round trips of a list's five). A connection the database dropped fails the read
    once and the read runs again (``in_worker``). SQLite has no round trips to save: there
    the read engine is ``engine``."""
    if engine.dialect.name != "postgresql":
        return engine
    return make_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (see _sqlite_begin_immediate).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    """Take SQLite's write lock up front: no deadlocked upgrades from read to write."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine, *, reads: bool = False) -> sessionmaker[Session]:
    """``reads``: sessions of the read engine, whose reads may run again (``in_worker``)."""
    return sessionmaker(engine, expire_on_commit=False, info={"reads": reads})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session
