"""Requests that end before their answer (the client went away, or the request timed out)
give their database connection back: both pools end with none checked out, and the server
answers a burst larger than its pools afterwards."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text

from tests.live import serve
from vtoc.config import ServerSettings
from vtoc.schemas import Role
from vtoc.server.app import create_app

#: the asyncpg path (show, plain list, a timeline page, a new operation held at its event)
#: and the synchronous one (an ``IN`` list of severities). A plain list's first page read
#: before is answered again while nothing was written (``fetchrow_kept``), and callers of
#: one first page share a read: each held copy asks a first page of its own (``limit``).
PATHS = [
    "/api/v1/intel/{id}",
    "/api/v1/intel?limit={limit}",
    "/api/v1/operations/{operation}/timeline",
    "/api/v1/intel?limit=5&severity=high",
    "POST /api/v1/operations",
]
#: what a POST in ``PATHS`` sends
BODY = b'{"name": "Held"}'


def wait_until(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.02)


def checked_out(app: FastAPI) -> int:
    """Connections out of every pool of the app right now."""
    reads = app.state.async_reads
    out = app.state.engine.pool.checkedout() + app.state.read_engine.pool.checkedout()
    if reads is not None and reads.pool is not None:
        out += reads.pool.get_size() - reads.pool.get_idle_size()
    return int(out)


def waiting_on_lock(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def send_only(url: str, path: str, token: str) -> socket.socket:
    """A request written to the server, its answer never read."""
    host, port = url.removeprefix("http://").split(":")
    method, _, path = path.rpartition(" ")
    body = BODY if method == "POST" else b""
    sock = socket.create_connection((host, int(port)))
    sock.sendall(
        f"{method or 'GET'} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return sock


def send(http: httpx.Client, path: str) -> int:
    """A request of ``PATHS`` answered: its status."""
    method, _, path = path.rpartition(" ")
    if method:
        return http.post(
            path, content=BODY, headers={"Content-Type": "application/json"}
        ).status_code
    return http.get(path).status_code


@pytest.mark.parametrize("ending", ["the client disconnects", "the request times out"])
def test_a_request_ended_before_its_answer_leaves_no_connection_checked_out(
    ending: str, settings: ServerSettings, engine: Engine, make_token: Callable[..., str]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite cannot hold a read back (no table locks): nothing waits there")
    if ending == "the request times out":
        settings = settings.model_copy(update={"request_timeout_seconds": 0.5})
    app = create_app(settings)
    token = make_token(Role.operator)
    headers = {"Authorization": f"Bearer {token}"}
    with serve(app) as url, httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        report = http.post("/api/v1/intel", json={"title": "Held"}).json()
        operation = http.post("/api/v1/operations", json={"name": "Watched"}).json()
        # as many held as the asyncpg pool has connections (10 a worker) and fewer: one
        # waiting for a connection would not wait on the lock
        ids = {"id": report["id"], "operation": operation["id"]}
        paths = [p.format(**ids, limit=limit) for limit in (6, 7) for p in PATHS]
        warm = [p.format(**ids, limit=5) for p in PATHS[:4]]
        assert all(send(http, path) == 200 for path in warm)  # token cached
        with engine.connect() as locker:
            # the reads wait on the reports or the events, a create on its event (after its lookup)
            locker.execute(text("LOCK TABLE intel_reports, events IN ACCESS EXCLUSIVE MODE"))
            sockets = [send_only(url, path, token) for path in paths]
            wait_until(lambda: waiting_on_lock(engine) >= len(paths), "every read waits")
            if ending == "the client disconnects":
                for sock in sockets:
                    sock.close()
            else:  # the server cancels each at its deadline and answers 504 meanwhile
                for sock in sockets:
                    assert sock.recv(200).startswith(b"HTTP/1.1 504"), "not cut by the timeout"
                    sock.close()
            locker.rollback()
        wait_until(lambda: checked_out(app) == 0, "every connection back in its pool")
        wait_until(lambda: waiting_on_lock(engine) == 0, "no read still in the database")

        # More at once than the pools hold (10 each): a connection lost above would show
        with ThreadPoolExecutor(max_workers=32) as pool:
            statuses = list(pool.map(lambda p: send(http, p), paths * 8))
        assert statuses == [201 if p.startswith("POST") else 200 for p in paths * 8]
        # the event hub reads the new operations' events after their wake-ups
        wait_until(lambda: checked_out(app) == 0, "every connection back after the burst")
