"""The executor against the real app and a real local webhook receiver."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time

import pytest

from tests.agents.conftest import AgentRunner, Target
from vtoc import schemas as s
from vtoc.agents import executor
from vtoc.agents.scheduler import Scheduler
from vtoc.client import ValidationFailed, VtocClient

SECRET = "test-webhook-secret"


@pytest.fixture(autouse=True)
def webhook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(executor.SECRET_ENV, SECRET)


def run_until_settled(runner: AgentRunner, api: VtocClient, task_id: int) -> s.Task:
    """Run the executor as its schedule would until the task is done or failed."""
    for _ in range(20):
        runner.run("executor")
        task = api.tasks.get(task_id)
        if task.status in ("done", "failed"):
            return task
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} never settled: {task}")


def test_a_webhook_failing_twice_acts_once(
    runner: AgentRunner, operator: VtocClient, target: Target
) -> None:
    runner.configure("executor", backoff_seconds=0.05)
    target.statuses = [500, 502]
    task = operator.tasks.create(
        action="webhook", params={"url": target.url, "payload": {"workflow": "isolate-host"}}
    )

    done = run_until_settled(runner, operator, task.id)

    assert (done.status, done.attempts, done.result) == ("done", 3, {"status_code": 200})
    assert len(target.requests) == 3
    keys = {headers["Idempotency-Key"] for headers, _ in target.requests}
    assert keys == {f"vtoc-task-{task.id}"}  # the receiver acts on the key once
    assert [h["X-Vtoc-Attempt"] for h, _ in target.requests] == ["1", "2", "3"]
    headers, body = target.requests[-1]
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Vtoc-Signature"], f"sha256={expected}")
    assert json.loads(body) == {"task_id": task.id, "payload": {"workflow": "isolate-host"}}
    retries = operator.events.list(kind="task.retry", entity_id=task.id).items
    assert len(retries) == 2


def test_a_task_that_always_fails_ends_failed(
    runner: AgentRunner, operator: VtocClient, target: Target
) -> None:
    runner.configure("executor", backoff_seconds=0.05)
    target.default = 500
    task = operator.tasks.create(action="webhook", params={"url": target.url}, max_attempts=3)

    failed = run_until_settled(runner, operator, task.id)

    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.last_error == "RuntimeError: webhook answered HTTP 500"
    assert len(target.requests) == 3
    assert [t.id for t in operator.tasks.list(status=["failed"]).items] == [task.id]


def test_actions_change_what_they_name(runner: AgentRunner, operator: VtocClient) -> None:
    op = operator.operations.create(name="Harbor", code="OPH-1")
    mission = operator.missions.create(operation_id=op.id, name="Sweep")
    asset = operator.assets.create(name="drone-7", kind="aircraft")
    tasks = [
        operator.tasks.create(
            action="set_status",
            params={"entity": "mission", "id": mission.id, "status": "in_progress"},
        ),
        operator.tasks.create(
            action="assign_asset", params={"mission": mission.id, "asset": asset.id}
        ),
        operator.tasks.create(action="file_report", params={"title": "Drone launched"}),
        operator.tasks.create(action="run_agent", params={"name": "analyzer"}),
        operator.tasks.create(
            action="set_status", params={"entity": "ship", "id": 1, "status": "x"}
        ),
    ]
    run = runner.run("executor")
    done = [operator.tasks.get(t.id) for t in tasks]
    assert [t.status for t in done] == ["done", "done", "done", "done", "queued"]
    assert "params.entity must be one of" in (done[4].last_error or "")
    updated = operator.missions.get(mission.id)
    assert updated.status == "in_progress" and updated.asset_ids == [asset.id]
    [report] = operator.intel.list(source=["agent"]).items
    assert report.title == "Drone launched" and done[2].result == {"report_id": report.id}
    assert operator.agents.get("analyzer").next_run_at is not None
    assert run.stats == {"done": 4, "queued": 1}


def test_a_task_retried_after_a_crash_does_not_act_twice(
    runner: AgentRunner, operator: VtocClient
) -> None:
    op = operator.operations.create(name="Harbor", code="OPH-1")
    report_task = operator.tasks.create(action="file_report", params={"title": "Contact"})
    status_task = operator.tasks.create(
        action="set_status", params={"entity": "operation", "id": op.id, "status": "active"}
    )
    claimed = operator.claim_tasks(s.TaskClaim(worker="doomed", lease_seconds=1, limit=10))
    assert {t.id for t in claimed} == {report_task.id, status_task.id}

    async def act_then_crash() -> None:  # a worker that did the work but died before reporting
        async with runner.connect() as client:
            for task in claimed:
                await executor.ACTIONS[task.action](client, task)

    asyncio.run(act_then_crash())
    version = operator.operations.get(op.id).version
    time.sleep(1.1)
    runner.run("executor")

    finished = [operator.tasks.get(t.id) for t in (report_task, status_task)]
    assert [(t.status, t.attempts) for t in finished] == [("done", 2), ("done", 2)]
    assert len(operator.intel.list(source=["agent"]).items) == 1
    assert finished[1].result == {"changed": False, "status": "active"}
    assert operator.operations.get(op.id).version == version


def test_a_config_the_executor_cannot_use_is_refused_when_saved(operator: VtocClient) -> None:
    """86,401 s of backoff was saved; every later run then failed on its first outcome."""
    for config, field in (
        ({"backoff_seconds": 86_401}, "config.backoff_seconds"),
        ({"timeout_seconds": 1e300}, "config.timeout_seconds"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            operator.agents.update("executor", config=config)
        assert [e.field for e in refused.value.errors] == [field]


def test_a_run_that_stops_midway_gives_its_claimed_tasks_back(
    runner: AgentRunner, operator: VtocClient
) -> None:
    """A run cut short (here its timeout, during a webhook that never answers) used to leave
    every task it had claimed ``running`` until the claim expired."""
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    try:
        runner.configure("executor", timeout_seconds=0.5, claim_seconds=3600)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        stuck, queued = (
            operator.tasks.create(action="webhook", params={"url": url, "timeout": 30})
            for _ in range(2)
        )
        operator.trigger_agent("executor")

        async def tick() -> list[s.AgentRun]:
            async with runner.connect() as client:
                return await Scheduler(client, "w1", only=["executor"]).tick()

        [run] = asyncio.run(tick())
    finally:
        silent.close()
    assert run.status == s.RunStatus.timeout
    for task in (operator.tasks.get(stuck.id), operator.tasks.get(queued.id)):
        assert (task.status, task.attempts) == ("queued", 1)
        assert task.last_error and "the executor's run stopped" in task.last_error
