"""A production-shaped `vtoc server run`: several workers, JSON logs, aggregated metrics."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.processes import (
    mint_token,
    run_vtoc,
    server_process,
    start_server,
    vtoc_env,
)

pytestmark = pytest.mark.e2e


def test_sqlite_with_several_workers_is_refused_in_one_line(tmp_path: Path) -> None:
    env = vtoc_env(f"sqlite:///{tmp_path / 'one.db'}", tmp_path)
    done = run_vtoc("server", "run", "--workers", "2", env=env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: SQLite cannot serve 2 workers safely; "
        "use --workers 1 or set VTOC_DATABASE_URL to PostgreSQL"
    ]


def test_a_weak_metrics_token_is_refused(tmp_path: Path) -> None:
    env = vtoc_env(f"sqlite:///{tmp_path / 'one.db'}", tmp_path, VTOC_METRICS_TOKEN="short")
    done = run_vtoc("server", "run", env=env)
    assert done.returncode == 1
    assert "VTOC_METRICS_TOKEN is too short" in done.stderr
    assert "Traceback" not in done.stderr


def test_two_workers_log_json_without_secrets_and_share_metrics(
    postgresql_database_url: str, tmp_path: Path
) -> None:
    password = "hunter2-db-secret"
    scheme, rest = postgresql_database_url.split("://postgres@", 1)
    url = f"{scheme}://postgres:{password}@{rest}"  # trust auth: accepted, and must not leak
    scraper = "scrape-token-0123456789abcdef"
    env = vtoc_env(url, tmp_path, VTOC_METRICS_TOKEN=scraper)
    log = tmp_path / "server.log"
    with server_process(env, "--workers", "2", log=log) as base:
        token = mint_token(env, "e2e-admin")
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=auth) as http:
            for i in range(20):
                got = http.get("/api/v1/operations", headers={"X-Request-ID": f"e2e-{i}"})
                assert got.status_code == 200
                assert got.headers["X-Request-ID"] == f"e2e-{i}"
            http.get("/api/v1/operations", params={"token": token})
            totals = []
            for _ in range(4):  # each scrape may land on either worker: all see the sum
                text = httpx.get(
                    f"{base}/metrics", headers={"Authorization": f"Bearer {scraper}"}
                ).text
                totals.append(
                    sum(
                        float(line.rsplit(" ", 1)[1])
                        for line in text.splitlines()
                        if line.startswith("vtoc_http_requests_total{")
                        and 'route="/api/v1/operations"' in line
                        and 'status="200"' in line
                    )
                )
            assert min(totals) >= 20, totals
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "vtoc.access"]
    assert {f"e2e-{i}" for i in range(20)} <= {line["request_id"] for line in access}
    assert all(isinstance(line["pid"], int) for line in access)  # which worker answered
    assert {line["actor"] for line in access if line["request_id"].startswith("e2e-")} == {
        "e2e-admin"
    }
    everything = log.read_text()
    for secret in (token, password, scraper):
        assert secret not in everything


def test_sigterm_closes_event_streams_and_exits_promptly(tmp_path: Path) -> None:
    env = vtoc_env(f"sqlite:///{tmp_path / 'grace.db'}", tmp_path)
    url, process = start_server(env)
    try:
        token = mint_token(env, "watcher", "viewer")
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.stream("GET", f"{url}/api/v1/events/stream", headers=headers) as stream:
            assert stream.status_code == 200
            lines = stream.iter_lines()
            assert next(lines).startswith(("id:", ":", "retry:"))
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(httpx.TransportError):
                for _ in lines:  # the server ends the stream; nothing hangs
                    pass
        # uvicorn shuts down, then re-raises the signal it caught: -15 is a clean exit here.
        assert process.wait(timeout=15) in (0, -signal.SIGTERM)
        assert time.monotonic() - started < 8, "an open stream held up the shutdown"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_several_workers_answer_keep_alive_requests_without_nagle_delay(
    postgresql_database_url: str, tmp_path: Path
) -> None:
    """Stock uvicorn's workers share a socket that loses TCP_NODELAY (uvicorn issue 3149), so
    every request after the first on a kept-alive connection waited ~40 ms for the client's
    delayed ACK: the TUI, the agents and Traefik all keep their connections alive."""
    env = vtoc_env(postgresql_database_url, tmp_path)
    with server_process(env, "--workers", "2") as base:
        token = mint_token(env, "keep-alive")
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
            http.get("/api/v1/operations").raise_for_status()  # connection and token warm
            seconds = []
            for _ in range(9):
                started = time.perf_counter()
                http.get("/api/v1/operations").raise_for_status()
                seconds.append(time.perf_counter() - started)
    # the delayed ACK is 40 ms or more on Linux; an answer takes a few ms
    assert sorted(seconds)[4] < 0.025, seconds


def test_a_burst_of_mixed_requests_with_few_database_threads_all_answer(
    postgresql_database_url: str, tmp_path: Path
) -> None:
    """FastAPI serializes a sync route's answer in a second hop to the thread pool while the
    route's session still holds its connection. When request threads were capped, a burst of
    dashboards took every connection and every thread: 503s after the pool's 10 s timeout."""
    env = vtoc_env(postgresql_database_url, tmp_path, VTOC_DB_THREADS="2")
    with server_process(env, "--workers", "2") as base:
        token = mint_token(env, "burst")
        auth = {"Authorization": f"Bearer {token}"}
        paths = ["/api/v1/dashboard", "/api/v1/operations", "/api/v1/intel?limit=5"]

        def client(n: int) -> list[int]:
            with httpx.Client(base_url=base, headers=auth, timeout=30) as http:
                return [http.get(paths[(n + i) % len(paths)]).status_code for i in range(6)]

        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = [code for codes in pool.map(client, range(CLIENTS)) for code in codes]
    assert statuses == [200] * (CLIENTS * 6)


#: more than a worker's pool holds (10 + 20): the dashboards alone could take every connection
CLIENTS = 100


def test_two_workers_spread_kept_alive_connections_and_win_back_an_idle_worker(
    postgresql_database_url: str, tmp_path: Path
) -> None:
    """A few kept-alive clients (two Wazuh managers and n8n, Traefik's pool) keep their
    connections for hours. Left to the kernel they often all sat on one worker while the
    other idled. New connections go to the worker holding fewer; connections taken while a
    worker could not accept (stopped here, as a slow start-up would) spread out again."""
    if shutil.which("ss") is None:
        pytest.skip("needs `ss` (iproute2) to see which worker holds a connection")
    env = vtoc_env(postgresql_database_url, tmp_path)
    with server_process(env, "--workers", "2") as base:
        port = int(base.rsplit(":", 1)[1])
        clients = [httpx.Client(base_url=base, timeout=10) for _ in range(4)]
        try:

            def ask_all() -> dict[int, int]:
                for client in clients:
                    client.get("/healthz").raise_for_status()
                return connections_by_worker(port)

            def reconnect(count: int) -> None:
                for client in clients:
                    client.close()
                wait_for(lambda: connections_by_worker(port), lambda held: not held)
                clients[:] = [httpx.Client(base_url=base, timeout=10) for _ in range(count)]

            # Until both workers serve (the server is ready when one is).
            busy, idle = wait_for(ask_all, lambda held: len(held) == 2)
            # Each new connection goes to the worker holding fewer.
            reconnect(6)
            assert sorted(ask_all().values()) == [3, 3]

            reconnect(4)
            os.kill(idle, signal.SIGSTOP)
            try:
                # answered without waiting for the stopped worker (the busy one may close
                # one of them after its answer already: a shed is not a failure)
                assert set(ask_all()) == {busy}
            finally:
                os.kill(idle, signal.SIGCONT)
            # The crowded worker closes one connection at a time after an answer; the
            # clients reconnect to the other without an error.
            wait_for(ask_all, lambda held: held == {busy: 2, idle: 2})
        finally:
            for client in clients:
                client.close()


def connections_by_worker(port: int) -> dict[int, int]:
    """How many established connections to ``port`` each server process holds."""
    out = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(Counter(int(pid) for pid in re.findall(r"pid=(\d+)", out)))


def wait_for(
    look: Callable[[], dict[int, int]], done: Callable[[dict[int, int]], bool], seconds: float = 10
) -> dict[int, int]:
    deadline = time.monotonic() + seconds
    while not done(seen := look()):
        assert time.monotonic() < deadline, seen
        time.sleep(0.15)
    return seen
