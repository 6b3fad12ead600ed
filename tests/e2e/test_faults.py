"""Faults a real server survives: database connections cut, the server killed mid-write."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.processes import free_port, mint_token, start_server, vtoc_env
from vtoc.children import stop
from vtoc.server.models import EventRow, Operation

pytestmark = pytest.mark.e2e


@contextmanager
def server_on(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    _, process = start_server(env, port=port, log=log)
    try:
        yield process
    finally:
        stop([process], timeout=15)


@pytest.fixture
def cut_connections(postgresql_database_url: str) -> Iterator[Callable[[], int]]:
    """Ends every other session on the test's database, as a failover or a DBA would; the
    call answers how many it ended."""
    killer = create_engine(postgresql_database_url, isolation_level="AUTOCOMMIT")
    database = make_url(postgresql_database_url).database

    def cut() -> int:
        with killer.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": database},
                ).scalar_one()
            )

    yield cut
    killer.dispose()


def test_server_recovers_within_seconds_when_postgresql_cuts_its_connections(
    postgresql_database_url: str, tmp_path: Path, cut_connections: Callable[[], int]
) -> None:
    env = vtoc_env(postgresql_database_url, tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    durations: list[float] = []
    statuses: list[int] = []
    cut_off: list[str] = []
    stop = threading.Event()

    def load(token: str) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
            i = 0
            while not stop.is_set():
                started = time.monotonic()
                try:
                    if i % 3 == 0:
                        response = http.post("/api/v1/operations", json={"name": f"Load {i}"})
                    else:
                        response = http.get("/api/v1/operations", params={"limit": 20})
                except httpx.TransportError as exc:  # a dropped connection: the bug we guard
                    cut_off.append(repr(exc))
                    continue
                finally:
                    i += 1
                durations.append(time.monotonic() - started)
                statuses.append(response.status_code)
                assert response.status_code < 500 or response.headers["content-type"] == (
                    "application/problem+json"
                )

    with server_on(env, port, tmp_path / "server.log"):
        token = mint_token(env, "loader", "operator")
        workers = [threading.Thread(target=load, args=(token,)) for _ in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(1.5)
        for _ in range(3):
            assert cut_connections() >= 1
            time.sleep(0.5)
        cut_at = time.monotonic()
        recovered_after = None
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as probe:
            while time.monotonic() - cut_at < 10:
                if probe.get("/api/v1/operations").status_code == 200:
                    recovered_after = time.monotonic() - cut_at
                    break
                time.sleep(0.1)
        time.sleep(1)
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
            assert not worker.is_alive(), "a request hung"
    assert cut_off == [], "the server dropped connections instead of answering"
    assert recovered_after is not None and recovered_after < 5
    assert max(durations) < 15, "no request waits anywhere near forever"
    assert statuses[-20:] == [s for s in statuses[-20:] if s in (200, 201)]
    assert set(statuses) <= {200, 201, 503}, set(statuses)


def test_reads_right_after_postgresql_cut_the_connections_still_answer(
    postgresql_database_url: str, tmp_path: Path, cut_connections: Callable[[], int]
) -> None:
    """Read connections are not pinged before use; a dropped one is retried, not a 503."""
    env = vtoc_env(postgresql_database_url, tmp_path)
    port = free_port()
    with server_on(env, port, tmp_path / "server.log"):
        writer = {"Authorization": f"Bearer {mint_token(env, 'writer', 'operator')}"}
        created = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/operations", json={"name": "Cut"}, headers=writer
        )
        reads = [
            "/api/v1/operations",
            "/api/v1/intel?limit=5",
            f"/api/v1/operations/{created.json()['id']}",
        ]
        token = mint_token(env, "reader", "viewer")
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
            for _ in range(3):
                assert http.get("/api/v1/operations").status_code == 200  # pooled now
                assert cut_connections() >= 1
                after = [http.get(path).status_code for path in reads]
                assert after == [200] * len(reads)


def test_a_new_token_right_after_postgresql_cut_the_connections_still_answers(
    postgresql_database_url: str, tmp_path: Path, cut_connections: Callable[[], int]
) -> None:
    """The token lookup retries a dropped connection as route reads do (it answered 503)."""
    env = vtoc_env(postgresql_database_url, tmp_path)
    port = free_port()
    with server_on(env, port, tmp_path / "server.log"):
        warm = {"Authorization": f"Bearer {mint_token(env, 'warm', 'viewer')}"}
        fresh = [mint_token(env, f"fresh-{n}", "viewer") for n in range(3)]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            for token in fresh:
                assert http.get("/api/v1/operations", headers=warm).status_code == 200
                assert cut_connections() >= 1
                first = http.get("/api/v1/operations", headers={"Authorization": f"Bearer {token}"})
                assert first.status_code == 200, first.text


def test_kill_9_mid_writes_loses_nothing_and_doubles_nothing(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    total = 200
    env = vtoc_env(database_url, tmp_path)
    token = mint_token(env, "writer", "operator")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    done = threading.Event()
    retries = 0
    progress = 0

    def write_all() -> None:
        nonlocal retries, progress
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=5) as http:
            for i in range(total):
                deadline = time.monotonic() + 60
                while True:
                    try:
                        response = http.post(
                            "/api/v1/operations",
                            json={"name": f"Exactly once {i}"},
                            headers={"Idempotency-Key": f"write-{i}"},
                        )
                        if response.status_code in (200, 201):
                            break
                    except httpx.TransportError:
                        pass
                    retries += 1
                    assert time.monotonic() < deadline, f"write {i} never went through"
                    time.sleep(0.1)
                progress = i + 1
        done.set()

    writer = threading.Thread(target=write_all)
    with server_on(env, port, tmp_path / "first.log") as first:
        writer.start()
        while progress < total // 3:
            time.sleep(0.01)
        first.kill()  # SIGKILL: no shutdown, no flush, requests cut mid-flight
        first.wait()
    assert not done.is_set()
    with server_on(env, port, tmp_path / "second.log"):
        writer.join(timeout=120)
        assert done.is_set()
    assert retries >= 1, "the kill interrupted the writer"
    with engine.connect() as conn:
        names = conn.scalars(select(Operation.name)).all()
        created = conn.scalar(
            select(func.count()).select_from(EventRow).where(EventRow.kind == "operation.created")
        )
    assert sorted(names) == sorted(f"Exactly once {i}" for i in range(total))
    assert created == total


def test_kill_9_mid_wazuh_ingest_counts_every_alert_exactly_once(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    """10k alerts in batches with retries; the server is SIGKILLed part-way through.

    Alerts dedup on their id, so a batch resent after the kill must not count twice; alerts
    that fold into a flood report raise its ``occurrences``: their sum is the alert count.
    """
    from tests.ingest.conftest import ndjson, sample_alerts, unique_copies

    total, batch = 10_000, 500
    alerts = unique_copies(sample_alerts(), total, vary_source=True)
    batches = [ndjson(alerts[i : i + batch]) for i in range(0, total, batch)]
    env = vtoc_env(database_url, tmp_path)
    token = mint_token(env, "wazuh-sender", "operator")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sent = 0
    retries = 0
    done = threading.Event()

    def send_all() -> None:
        nonlocal sent, retries
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            for body in batches:
                deadline = time.monotonic() + 120
                while True:
                    try:
                        response = http.post("/api/v1/ingest/wazuh", content=body)
                        if response.status_code == 200:
                            assert response.json()["rejected"] == []
                            break
                    except httpx.TransportError:
                        pass
                    retries += 1
                    assert time.monotonic() < deadline, "a batch never went through"
                    time.sleep(0.2)
                sent += 1
        done.set()

    sender = threading.Thread(target=send_all)
    with server_on(env, port, tmp_path / "first.log") as first:
        sender.start()
        while sent < len(batches) // 4:
            time.sleep(0.01)
        first.kill()
        first.wait()
    assert not done.is_set()
    with server_on(env, port, tmp_path / "second.log"):
        sender.join(timeout=300)
        assert done.is_set()
    assert retries >= 1
    with engine.connect() as conn:
        counted = conn.execute(
            text("SELECT coalesce(sum(occurrences), 0) FROM intel_reports WHERE source = 'wazuh'")
        ).scalar_one()
    assert counted == total
