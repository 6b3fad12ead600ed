"""Real worker processes against a real PostgreSQL-backed ``vtoc server run`` process."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_postgresql
from tests.processes import mint_token, server_process, slow_target, vtoc_env, wait_for
from vtoc.client import VtocClient

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with fresh_postgresql("vtoc_workers") as url:
        yield url


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
    # Ctrl-C, and a supervisor's stop (docker, systemd, vtoc up), end a worker cleanly
    for proc, stop in zip(workers, (signal.SIGINT, signal.SIGTERM), strict=True):
        proc.send_signal(stop)
    assert [proc.wait(30) for proc in workers] == [0, 0]

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


def test_a_killed_workers_run_is_completed_by_another(
    api: VtocClient, spawn: Callable[..., subprocess.Popen[bytes]]
) -> None:
    with slow_target(3) as slow:
        for name in ("analyzer", "executor"):
            api.agents.update(name, enabled=False)
        target = {"name": "slow", "url": slow.url, "timeout": 10}
        api.agents.update("monitor", interval_seconds=3600, config={"targets": [target]})
        api.trigger_agent("monitor")
        runs_before = len(api.agent_runs("monitor", limit=500).items)

        doomed = spawn(
            "doomed", "--only", "monitor", "--poll-seconds", "0.2", "--lease-seconds", "2"
        )
        wait_for(lambda: bool(slow.hits), 30, "the doomed worker to start its run")
        assert api.agents.get("monitor").lease_owner == "doomed"
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(5)
        spawn("rescuer", "--only", "monitor", "--poll-seconds", "0.2", "--lease-seconds", "2")

        def finished() -> bool:
            return len(api.agent_runs("monitor", limit=500).items) > runs_before

        wait_for(finished, 30, "the rescuer to finish the run")
        run = api.agent_runs("monitor", limit=500).items[0]
        assert (run.worker, run.status) == ("rescuer", "ok")
        assert len(slow.hits) == 2  # the dead worker's attempt and the rescuer's
        assert slow.hits[1] - slow.hits[0] >= 1.5  # only after the lease ran out
        agent = api.agents.get("monitor")
        assert agent.lease_owner is None and agent.next_run_at is not None
        owners = [e.data["lease_owner"] for e in api.events.iterate(kind="agent.run_started")]
        assert owners[-2:] == ["doomed", "rescuer"]


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
