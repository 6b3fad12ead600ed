"""Real worker processes against a real PostgreSQL-backed ``vtoc server run`` process."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL
from tests.processes import mint_token, server_process, vtoc_env
from vtoc.client import VtocClient

pytestmark = pytest.mark.timeout(180)


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    name = f"vtoc_workers_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``vtoc server run`` on PostgreSQL; yields the environment a worker needs."""
    env = vtoc_env(
        database,
        tmp_path_factory.mktemp("home"),
        VTOC_WEBHOOK_SECRET="x",
        VTOC_METRICS_TOKEN="metrics-scraper-0123456789",
    )
    token = mint_token(env, "workers", "operator")
    with server_process(env) as url:
        yield {**env, "VTOC_API_URL": url, "VTOC_TOKEN": token}


@pytest.fixture
def api(server: dict[str, str]) -> Iterator[VtocClient]:
    with VtocClient(server["VTOC_API_URL"], server["VTOC_TOKEN"]) as client:
        yield client


@pytest.fixture
def spawn(
    server: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(worker: str, *args: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{worker}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "vtoc.agents", "--worker-id", worker, *args],
            env=server,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def test_two_workers_run_each_due_time_exactly_once(
    api: VtocClient, spawn: Callable[..., subprocess.Popen[bytes]]
) -> None:
    intervals = {"monitor": 2, "analyzer": 2, "executor": 3}
    for name, seconds in intervals.items():
        api.agents.update(name, interval_seconds=seconds, enabled=True, config={})
    workers = [spawn(w, "--poll-seconds", "0.2", "--lease-seconds", "5") for w in ("wA", "wB")]

    def finished(name: str) -> int:
        return sum(
            e.data["agent"] == name
            for e in api.events.iterate(kind="agent.run_finished", limit=1000)
        )

    for name in intervals:  # three due times each, however slow the machine
        wait_for(lambda name=name: finished(name) >= 3, 90, f"three runs of {name}")
    for proc in workers:
        proc.send_signal(signal.SIGINT)
    for proc in workers:
        proc.wait(15)

    due: dict[str, list[datetime]] = defaultdict(list)
    by: set[str] = set()
    for event in api.events.iterate(kind="agent.run_finished", limit=1000):
        due[event.data["agent"]].append(datetime.fromisoformat(event.data["due_at"]))
        by.add(event.data["worker"])
        assert event.data["status"] == "ok", event.data["summary"]
    assert by <= {"wA", "wB"}
    for name, seconds in intervals.items():
        times = due[name]
        assert len(times) == len(set(times)), f"{name} ran twice for one due time"
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert all(gap >= seconds and gap % seconds == 0 for gap in gaps), gaps
        runs = api.agent_runs(name, limit=500).items
        assert len(runs) == len(times)


class Slow(BaseHTTPRequestHandler):
    """A target that takes seconds to answer: a run long enough to kill a worker in."""

    hits: list[float] = []  # noqa: RUF012

    def do_GET(self) -> None:
        Slow.hits.append(time.monotonic())
        time.sleep(3)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        return


def test_a_killed_workers_run_is_completed_by_another(
    api: VtocClient, spawn: Callable[..., subprocess.Popen[bytes]]
) -> None:
    slow = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    try:
        for name in ("analyzer", "executor"):
            api.agents.update(name, enabled=False)
        target = {
            "name": "slow",
            "url": f"http://127.0.0.1:{slow.server_address[1]}/",
            "timeout": 10,
        }
        api.agents.update("monitor", interval_seconds=3600, config={"targets": [target]})
        api.trigger_agent("monitor")
        runs_before = len(api.agent_runs("monitor", limit=500).items)

        doomed = spawn(
            "doomed", "--only", "monitor", "--poll-seconds", "0.2", "--lease-seconds", "2"
        )
        wait_for(lambda: bool(Slow.hits), 30, "the doomed worker to start its run")
        assert api.agents.get("monitor").lease_owner == "doomed"
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(5)
        spawn("rescuer", "--only", "monitor", "--poll-seconds", "0.2", "--lease-seconds", "2")

        def finished() -> bool:
            return len(api.agent_runs("monitor", limit=500).items) > runs_before

        wait_for(finished, 30, "the rescuer to finish the run")
        run = api.agent_runs("monitor", limit=500).items[0]
        assert (run.worker, run.status) == ("rescuer", "ok")
        assert len(Slow.hits) == 2  # the dead worker's attempt and the rescuer's
        assert Slow.hits[1] - Slow.hits[0] >= 1.5  # only after the lease ran out
        agent = api.agents.get("monitor")
        assert agent.lease_owner is None and agent.next_run_at is not None
        owners = [e.data["lease_owner"] for e in api.events.iterate(kind="agent.run_started")]
        assert owners[-2:] == ["doomed", "rescuer"]
    finally:
        slow.shutdown()
        slow.server_close()


def open_streams(server: dict[str, str]) -> float:
    scrape = httpx.get(
        server["VTOC_API_URL"] + "/metrics",
        headers={"Authorization": f"Bearer {server['VTOC_METRICS_TOKEN']}"},
    )
    scrape.raise_for_status()
    [value] = [
        float(line.split()[-1])
        for line in scrape.text.splitlines()
        if line.startswith("vtoc_sse_subscribers ")
    ]
    return value


def test_a_new_task_wakes_the_executor_at_once(
    api: VtocClient, server: dict[str, str], spawn: Callable[..., subprocess.Popen[bytes]]
) -> None:
    api.agents.update("executor", enabled=True, interval_seconds=3600, config={})
    api.trigger_agent("executor")
    spawn("waker", "--only", "executor", "--poll-seconds", "120")
    # After its first run's report the worker lists tasks again only when woken (or at its
    # poll, 120 s away); its task stream counts as open once it follows the log.
    wait_for(lambda: api.agents.get("executor").last_run_at is not None, 30, "the first run")
    wait_for(lambda: open_streams(server) == 1, 30, "the worker's task stream")

    task = api.tasks.create(action="run_agent", params={"name": "monitor"})

    wait_for(lambda: api.tasks.get(task.id).status == "done", 20, "the event to wake it")
