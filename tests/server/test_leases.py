"""Agent leases, run reports and task claims through the real API on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from vtoc import client as c
from vtoc import schemas as s
from vtoc.client import Conflict, VtocClient


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The server's clock (it runs in this process), moved on by the test, not by waiting."""
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


def lease(api: VtocClient, worker: str, seconds: int = 60, *, renew: bool = False) -> s.Agent:
    return api.lease("monitor", s.LeaseRequest(worker=worker, lease_seconds=seconds), renew=renew)


def report(api: VtocClient, worker: str, status: s.RunStatus = s.RunStatus.ok) -> s.AgentRun:
    body = s.RunReport(worker=worker, status=status, summary="done", duration_seconds=1.5)
    return api.report_run("monitor", body)


def test_one_lease_per_due_time(operator: VtocClient) -> None:
    granted = lease(operator, "w1")
    assert granted.lease_owner == "w1"
    due = granted.next_run_at
    assert due is not None
    with pytest.raises(Conflict):
        lease(operator, "w2")
    assert lease(operator, "w1", renew=True).lease_owner == "w1"
    with pytest.raises(Conflict):
        lease(operator, "w2", renew=True)
    with pytest.raises(Conflict):
        report(operator, "w2")

    run = report(operator, "w1")
    assert run.worker == "w1" and run.status == "ok"
    assert run.finished_at and run.started_at == run.finished_at - timedelta(seconds=1.5)
    agent = operator.agents.get("monitor")
    assert agent.lease_owner is None and agent.last_run_at is not None
    assert agent.next_run_at == due + timedelta(seconds=300)
    with pytest.raises(Conflict):  # not due again until then
        lease(operator, "w2")

    operator.trigger_agent("monitor")
    assert lease(operator, "w2").lease_owner == "w2"
    finished = operator.events.list(kind="agent.run_finished").items
    assert [e.data["worker"] for e in finished] == ["w1"]
    assert [r.worker for r in operator.agent_runs("monitor").items] == ["w1"]


def test_an_expired_lease_goes_to_the_next_worker(
    operator: VtocClient, clock: time_machine.Traveller
) -> None:
    lease(operator, "dead", seconds=1)
    clock.shift(timedelta(seconds=2))
    with pytest.raises(Conflict):
        lease(operator, "dead", renew=True)
    assert lease(operator, "alive").lease_owner == "alive"
    with pytest.raises(Conflict):  # the dead worker's late report is refused
        report(operator, "dead")
    report(operator, "alive")
    assert [r.worker for r in operator.agent_runs("monitor").items] == ["alive"]


def test_a_disabled_agent_is_never_leased(operator: VtocClient) -> None:
    operator.agents.update("monitor", enabled=False)
    with pytest.raises(Conflict):
        lease(operator, "w1")


def test_viewers_cannot_lease(viewer: VtocClient) -> None:
    with pytest.raises(c.Forbidden):
        lease(viewer, "w1")


def claim(api: VtocClient, worker: str, seconds: int = 60) -> list[s.Task]:
    return api.claim_tasks(s.TaskClaim(worker=worker, lease_seconds=seconds))


def outcome(api: VtocClient, task: int, worker: str, *, ok: bool) -> s.Task:
    body = s.TaskOutcome(worker=worker, ok=ok, error=None if ok else "boom", backoff_seconds=60)
    return api.task_outcome(task, body)


def test_tasks_are_claimed_once_and_retried_with_backoff(operator: VtocClient) -> None:
    task = operator.tasks.create(action="run_agent", params={"name": "monitor"}, max_attempts=2)
    [claimed] = claim(operator, "w1")
    assert (claimed.id, claimed.status, claimed.attempts) == (task.id, "running", 1)
    assert claim(operator, "w2") == []
    with pytest.raises(Conflict):
        outcome(operator, task.id, "w2", ok=True)

    retried = outcome(operator, task.id, "w1", ok=False)
    assert retried.status == "queued" and retried.last_error == "boom"
    assert retried.run_after - retried.updated_at >= timedelta(seconds=59)  # 60 s * 2**0
    assert claim(operator, "w1") == []  # not due until the backoff is over

    operator.tasks.update(task.id, run_after=retried.updated_at.isoformat())
    [again] = claim(operator, "w2")
    assert again.attempts == 2
    failed = outcome(operator, task.id, "w2", ok=False)
    assert failed.status == "failed" and failed.attempts == 2
    kinds = [e.kind for e in operator.events.list(kind="task.", entity_id=task.id).items]
    assert kinds.count("task.claimed") == 2
    assert kinds[-1] == "task.failed" and "task.retry" in kinds


def test_a_crashed_claim_is_taken_over(operator: VtocClient, clock: time_machine.Traveller) -> None:
    task = operator.tasks.create(action="run_agent", params={"name": "monitor"})
    claim(operator, "dead", seconds=1)
    assert claim(operator, "alive") == []
    clock.shift(timedelta(seconds=2))
    [taken] = claim(operator, "alive")
    assert (taken.id, taken.attempts, taken.status) == (task.id, 2, "running")
    assert outcome(operator, task.id, "alive", ok=True).status == "done"
