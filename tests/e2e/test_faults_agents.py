"""PostgreSQL goes away while an agent worker runs: runs fail cleanly, leases expire, and the
worker carries on once the database is back.

Restarting the machine's shared PostgreSQL would break everyone else's tests, so the outage
is ours alone: the server reaches its own database through a TCP forwarder in this test,
which can cut every connection and refuse new ones (what a restart looks like to a client),
then let them through again. PostgreSQL only: SQLite has no server to lose.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import fresh_postgresql
from tests.processes import (
    SlowTarget,
    mint_token,
    server_process,
    slow_target,
    vtoc_env,
    wait_for,
)
from vtoc import schemas as s
from vtoc.client import VtocClient

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

LEASE_SECONDS = 2
WORKER = [sys.executable, "-m", "vtoc.agents", "--worker-id", "w1", "--only", "monitor"]
OUTAGE_SECONDS = 5.0  # longer than a lease and than the client's retries of one call


class Outage:
    """A loopback TCP forwarder to PostgreSQL that can play dead and come back."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.down = False
        self.links: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self.serve, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self.accept, "127.0.0.1", 0)
        )
        self.port: int = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:  # the database is restarting: the connection ends at once
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.links |= {writer, up_writer}
        await asyncio.gather(self.pipe(reader, up_writer), self.pipe(up_reader, writer))

    async def pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self.links.discard(writer)

    def cut(self) -> None:
        """Every open connection dropped, new ones refused, until ``restore``."""

        def drop() -> None:
            self.down = True
            for link in list(self.links):
                link.transport.abort()

        self.loop.call_soon_threadsafe(drop)

    def restore(self) -> None:
        self.loop.call_soon_threadsafe(setattr, self, "down", False)

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_postgresql("vtoc_outage") as url:
        yield url


@pytest.fixture
def outage(database: str) -> Iterator[Outage]:
    url = make_url(database)
    forwarder = Outage(url.host or "127.0.0.1", url.port or 5432)
    yield forwarder
    forwarder.close()


@pytest.fixture
def slow() -> Iterator[SlowTarget]:
    """A monitor target that takes two seconds: a run long enough to cut the database in."""
    with slow_target(2) as target:
        yield target


def finished_runs(api: VtocClient) -> list[dict[str, Any]]:
    return [e.data for e in api.events.iterate(kind="agent.run_finished", limit=1000)]


def test_a_database_outage_mid_run_fails_cleanly_and_the_next_tick_succeeds(
    database: str, outage: Outage, slow: SlowTarget, tmp_path: Path
) -> None:
    through = make_url(database).set(host="127.0.0.1", port=outage.port)
    env = vtoc_env(through.render_as_string(hide_password=False), tmp_path)
    token = mint_token(vtoc_env(database, tmp_path), "worker", "operator")
    with server_process(env, log=tmp_path / "server.log") as url, VtocClient(url, token) as api:
        for name in ("analyzer", "executor"):
            api.agents.update(name, enabled=False)
        target = {"name": "slow", "url": slow.url, "timeout": 10}
        api.agents.update("monitor", interval_seconds=2, enabled=True, config={"targets": [target]})
        worker_log = tmp_path / "worker.log"
        with worker_log.open("w") as sink:
            worker = subprocess.Popen(
                [*WORKER, "--poll-seconds", "0.2", "--lease-seconds", str(LEASE_SECONDS)],
                env={**env, "VTOC_API_URL": url, "VTOC_TOKEN": token},
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(lambda: len(finished_runs(api)) >= 1, 30, "a first run before the outage")
            hits = len(slow.hits)
            wait_for(lambda: len(slow.hits) > hits, 15, "a run to be in flight")
            in_flight = api.agents.get("monitor")
            assert in_flight.lease_owner == "w1" and in_flight.next_run_at is not None
            due = in_flight.next_run_at
            outage.cut()
            cut_at = time.monotonic()
            time.sleep(1)
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as raw:
                assert raw.get("/api/v1/agents").status_code == 503
                assert raw.get("/readyz").status_code == 503
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut_at)))
            outage.restore()
            restored_at = datetime.now(in_flight.next_run_at.tzinfo)

            def ok_after_restore() -> bool:
                return any(
                    r["status"] == s.RunStatus.ok
                    and datetime.fromisoformat(r["started_at"]) >= restored_at
                    for r in finished_runs(api)
                )

            wait_for(ok_after_restore, 20, "an ok run after the database came back")
            assert worker.poll() is None, "the worker died with the database"
        finally:
            worker.send_signal(signal.SIGINT)
            worker.wait(15)

        runs = finished_runs(api)
        assert all(r["status"] in {"ok", "error", "timeout"} for r in runs)
        dues = [r["due_at"] for r in runs]
        assert len(dues) == len(set(dues)), "a due time was reported twice"
        # The run the outage caught: reported as failed, or its report lost, its lease
        # left to expire and the same due time run again once the database was back.
        caught = [r for r in runs if datetime.fromisoformat(r["due_at"]) == due]
        leases = [
            e.data
            for e in api.events.iterate(kind="agent.run_started", limit=1000)
            if datetime.fromisoformat(e.data["next_run_at"]) == due
        ]
        assert caught, "the due time the outage caught was never finished"
        assert caught[0]["status"] != "ok" or len(leases) >= 2, (caught, leases)
    log = worker_log.read_text()
    assert "tick failed" in log or "expired before the report" in log, log
    assert "Traceback" not in log, "an outage is a failed run, not a bug to trace"
