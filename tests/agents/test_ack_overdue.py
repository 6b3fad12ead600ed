"""Reports nobody acknowledged in time: one ``intel.ack_overdue`` each, however many workers
and server callers sweep at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.agents.conftest import AgentRunner
from vtoc import schemas as s
from vtoc.agents.scheduler import Scheduler
from vtoc.client import VtocClient
from vtoc.config import ServerSettings


@pytest.fixture
def settings(database_url: str) -> ServerSettings:
    """Critical reports are overdue at once; high ones in an hour."""
    return ServerSettings(
        database_url=database_url, ack_deadline_seconds={"critical": 0, "high": 3600}
    )


def overdue_events(api: VtocClient) -> list[int | None]:
    return [e.entity_id for e in api.events.list(kind="intel.ack_overdue").items]


def test_two_agent_workers_flag_an_unacknowledged_critical_report_once(
    runner: AgentRunner, operator: VtocClient
) -> None:
    late = operator.intel.create(title="Ransomware note on FS-01", severity="critical")
    seen = operator.intel.create(title="Beacon to cdn-static.top", severity="critical")
    operator.intel.create(title="Port scan", severity="high")  # its deadline is an hour away
    operator.acknowledge(seen.id)

    async def two_workers() -> list[s.AgentRun]:
        async with runner.connect() as one, runner.connect() as two:
            ticks = await asyncio.gather(
                Scheduler(one, "worker-1", only=["monitor"]).tick(),
                Scheduler(two, "worker-2", only=["monitor"]).tick(),
            )
        return [run for runs in ticks for run in runs]

    for _ in range(3):
        runner.api.trigger_agent("monitor")
        runs = asyncio.run(two_workers())
        assert all(run.status is s.RunStatus.ok for run in runs)
    assert overdue_events(operator) == [late.id]
    assert operator.events.list(kind="intel.ack_overdue").items[0].data["severity"] == "critical"


def test_concurrent_sweeps_flag_each_report_once(
    client_for: Callable[..., VtocClient], operator: VtocClient
) -> None:
    reports = [operator.intel.create(title=f"r{n}", severity="critical").id for n in range(5)]
    callers = [client_for(s.Role.operator) for _ in range(6)]
    with ThreadPoolExecutor(len(callers)) as pool:
        sweeps = list(pool.map(lambda api: api.sweep_overdue(), callers))
    flagged = [report for sweep in sweeps for report in sweep.flagged]
    assert sorted(flagged) == reports
    assert sorted(overdue_events(operator)) == reports
    operator.acknowledge(reports[0])  # acknowledged late: the flag stays, nothing new
    assert callers[0].sweep_overdue().flagged == []
