"""Fixtures shared by every test: a real database (SQLite and PostgreSQL), the app, clients."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from tests.factories import reset_database
from vtoc.client import VtocClient
from vtoc.config import ServerSettings
from vtoc.schemas import Role, TokenCreate
from vtoc.server.app import create_app
from vtoc.server.db import make_engine, make_sessionmaker
from vtoc.server.migrate import upgrade
from vtoc.server.services import tokens

PG_ADMIN_URL = os.environ.get(
    "VTOC_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def fresh_postgresql(prefix: str, *, durable: bool = True) -> Iterator[str]:
    """The URL of a new PostgreSQL database (``<prefix>_<pid>_<random>``), dropped after."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        if not durable:  # tests need no durability; this makes each commit far cheaper
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgresql_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    with fresh_postgresql("vtoc_test", durable=False) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "vtoc.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_database_url")
    return url


@pytest.fixture(scope="session")
def migrated_engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def engine(database_url: str, migrated_engines: dict[str, Engine]) -> Engine:
    """The test's database: migrated once per session, emptied before every test."""
    if database_url not in migrated_engines:
        engine = make_engine(database_url)
        upgrade(engine)
        migrated_engines[database_url] = engine
    engine = migrated_engines[database_url]
    reset_database(engine)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_sessionmaker(engine)() as session:
        yield session


@pytest.fixture
def settings(database_url: str, engine: Engine) -> ServerSettings:
    return ServerSettings(database_url=database_url)


@pytest.fixture
def app(settings: ServerSettings) -> Iterator[FastAPI]:
    """The app on the test's database; its pool is closed after the test (TestClient without
    a lifespan would otherwise leave every test's connections open)."""
    app = create_app(settings)
    yield app
    app.state.engine.dispose()
    app.state.read_engine.dispose()


@pytest.fixture
def make_token(engine: Engine) -> Callable[[Role], str]:
    """Mint a token of a role straight in the database; returns its secret."""

    def mint(role: Role, name: str | None = None) -> str:
        with make_sessionmaker(engine)() as session:
            created = tokens.create(
                session,
                actor="test",
                data=TokenCreate(name=name or f"{role}-{uuid.uuid4().hex[:6]}", role=role),
            )
            session.commit()
        return created.token

    return mint


@pytest.fixture
def client_for(app: FastAPI, make_token: Callable[..., str]) -> Iterator[Callable[..., VtocClient]]:
    """Clients on the real app, through the real vTOC client, one per role asked for."""
    opened: list[TestClient] = []

    def connect(role: Role | None = Role.admin, *, token: str | None = None) -> VtocClient:
        http = TestClient(app, raise_server_exceptions=True)
        opened.append(http)
        secret = token if token is not None else (make_token(role) if role else None)
        return VtocClient("http://testserver", secret, http=http)

    yield connect
    for http in opened:
        http.close()


@pytest.fixture
def admin(client_for: Callable[..., VtocClient]) -> VtocClient:
    return client_for(Role.admin)


@pytest.fixture
def operator(client_for: Callable[..., VtocClient]) -> VtocClient:
    return client_for(Role.operator)


@pytest.fixture
def viewer(client_for: Callable[..., VtocClient]) -> VtocClient:
    return client_for(Role.viewer)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
