"""Two real `vtoc server run` processes on one PostgreSQL database share one event stream."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.factories import reset_database
from tests.live import first_event_after_opening
from tests.processes import free_port, start_server, vtoc_env
from vtoc import schemas as s
from vtoc.client import AuthError, VtocClient
from vtoc.server import events
from vtoc.server.db import make_engine, make_sessionmaker
from vtoc.server.migrate import upgrade
from vtoc.server.models import EventRow
from vtoc.server.services import tokens

pytestmark = pytest.mark.e2e


class Replica:
    """One `vtoc server run` process on a fixed port; ``restart`` brings it back there.

    The periodic safety poll is set to an hour, so only NOTIFY can carry an event from one
    replica to another within these tests.
    """

    def __init__(self, database_url: str, home: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = vtoc_env(database_url, home, VTOC_SSE_POLL_SECONDS="3600")
        self.process = self.start()

    def start(self) -> subprocess.Popen[bytes]:
        return start_server(self.env, "--no-migrate", port=self.port)[1]

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def restart(self) -> None:
        self.process = self.start()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
def pg(postgresql_database_url: str) -> Iterator[Engine]:
    engine = make_engine(postgresql_database_url)
    upgrade(engine)
    reset_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def token(pg: Engine) -> str:
    with make_sessionmaker(pg)() as session:
        created = tokens.create(
            session, actor="test", data=s.TokenCreate(name="e2e-operator", role=s.Role.operator)
        )
        session.commit()
    return created.token


@pytest.fixture(scope="module")
def replicas(
    pg: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Replica, Replica]]:
    """Servers A and B, shared by the module: starting a process is the slow part."""
    url = pg.url.render_as_string(hide_password=False)
    home = tmp_path_factory.mktemp("replicas")
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda _: Replica(url, home), range(2))
    yield a, b
    a.stop()
    b.stop()


def last_id(engine: Engine) -> int:
    with make_sessionmaker(engine)() as session:
        return events.last_id(session)


def table_ids(engine: Engine, kind: str) -> list[int]:
    with make_sessionmaker(engine)() as session:
        stmt = select(EventRow.id).where(EventRow.kind == kind).order_by(EventRow.id)
        return list(session.scalars(stmt))


def follow(
    url: str, token: str, count: int, *, kind: str, after: int | None = None
) -> tuple[list[s.Event], threading.Thread]:
    """Collect ``count`` events of a kind from a stream in a background thread."""
    got: list[s.Event] = []

    def run() -> None:
        with VtocClient(url, token) as client:
            for event in client.stream_events(after=after, kinds=[kind]):
                got.append(event)
                if len(got) == count:
                    return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return got, thread


def test_a_write_on_one_replica_streams_from_the_other(
    replicas: tuple[Replica, Replica], token: str
) -> None:
    a, b = replicas

    def write() -> s.Operation:
        with VtocClient(a.url, token) as client:
            return client.operations.create(name="Across Replicas")

    got, operation = first_event_after_opening(b.url, token, write, "operation.")
    assert [(e.kind, e.entity_id) for e in got] == [("operation.created", operation.id)]


def test_a_client_resumes_across_a_killed_replica_without_loss_or_repeat(
    replicas: tuple[Replica, Replica], token: str, pg: Engine
) -> None:
    a, b = replicas
    total = 12
    got, reader = follow(b.url, token, total, kind="asset.", after=last_id(pg))
    with VtocClient(a.url, token) as writer:
        for i in range(5):
            writer.assets.create(name=f"before-{i}", kind="sensor")
        deadline = time.monotonic() + 5
        while len(got) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(got) == 5
        b.kill()  # the streaming connection dies mid-way
        for i in range(total - 5):
            writer.assets.create(name=f"after-{i}", kind="sensor")
    b.restart()  # B comes back on its port; the client reconnects with its last id
    reader.join(timeout=30)
    assert [e.id for e in got] == table_ids(pg, "asset.created")
    assert len(got) == total


def test_writers_on_both_replicas_never_make_a_reader_skip(
    replicas: tuple[Replica, Replica], token: str, pg: Engine
) -> None:
    start = last_id(pg)
    writers, per_writer = 8, 10
    got, reader = follow(
        replicas[1].url, token, writers * per_writer, kind="operation.", after=start
    )

    def write(n: int) -> None:
        with VtocClient(replicas[n % 2].url, token) as client:
            for i in range(per_writer):
                client.operations.create(name=f"op {n}-{i}")

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    reader.join(timeout=30)
    ids = [e.id for e in got]
    assert ids == sorted(set(ids)), "ids must be strictly increasing"
    assert ids == [i for i in table_ids(pg, "operation.created") if i > start]


def test_a_token_revoked_on_one_replica_stops_working_on_the_other(
    replicas: tuple[Replica, Replica], pg: Engine
) -> None:
    """Each server caches verified tokens for seconds; revocation must not wait for that."""
    a, b = replicas
    with make_sessionmaker(pg)() as session:
        admin = tokens.create(
            session, actor="test", data=s.TokenCreate(name="e2e-admin", role=s.Role.admin)
        )
        holder = tokens.create(
            session, actor="test", data=s.TokenCreate(name="e2e-holder", role=s.Role.viewer)
        )
        session.commit()
    with VtocClient(a.url, holder.token) as on_a:
        on_a.operations.list()  # A has now verified (and cached) the holder's token
        with VtocClient(b.url, admin.token) as on_b:
            on_b.revoke_token(holder.id)
        revoked = time.monotonic()
        while True:
            try:
                on_a.operations.list()
            except AuthError as exc:
                assert "revoked" in str(exc)
                break
            # well inside the cache's 10 s TTL: the revocation event, not the TTL, ended it
            assert time.monotonic() - revoked < 5.0, "A still accepts the revoked token"
            time.sleep(0.02)
