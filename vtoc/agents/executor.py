"""The executor: claims due tasks and carries out their actions, at most once each.

A task may be attempted several times (a failure, or a crash after the claim expired), so
every action is safe to repeat: status changes check first, reports and webhooks carry a key
per task that the receiver uses to drop a repeat.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from vtoc import schemas as s
from vtoc.agents.base import SOURCE, Outcome, Run
from vtoc.client import AsyncRows, AsyncVtocClient, VtocError

SIGNATURE_HEADER = "X-Vtoc-Signature"
SECRET_ENV = "VTOC_WEBHOOK_SECRET"

Action = Callable[[AsyncVtocClient, s.Task], Awaitable[dict[str, Any]]]


def task_key(task: s.Task) -> str:
    """The same for every attempt of a task: a receiver that saw it once ignores a repeat."""
    return f"vtoc-task-{task.id}"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def param(task: s.Task, name: str) -> Any:
    if name not in task.params:
        raise ValueError(f"{task.action} task needs params.{name}")
    return task.params[name]


async def set_status(client: AsyncVtocClient, task: s.Task) -> dict[str, Any]:
    entity, ref, target = param(task, "entity"), param(task, "id"), param(task, "status")
    resources: dict[str, AsyncRows[Any, Any]] = {
        s.Entity.operation: client.operations,
        s.Entity.mission: client.missions,
        s.Entity.asset: client.assets,
    }
    if entity not in resources:
        raise ValueError(f"params.entity must be one of {', '.join(resources)}")
    resource = resources[entity]
    row: Any = await resource.get(ref)
    if row.status == target:
        return {"changed": False, "status": target}
    row = await resource.update(ref, status=target, version=row.version)
    return {"changed": True, "status": row.status, "version": row.version}


async def assign_asset(client: AsyncVtocClient, task: s.Task) -> dict[str, Any]:
    mission, asset = param(task, "mission"), int(param(task, "asset"))
    current = await client.missions.get(mission)
    if asset in current.asset_ids:
        return {"changed": False, "mission": current.id, "asset": asset}
    updated = await client.assign_asset(mission, asset)
    return {"changed": True, "mission": updated.id, "asset": asset}


async def file_report(client: AsyncVtocClient, task: s.Task) -> dict[str, Any]:
    data = s.IntelCreate.model_validate({"source": SOURCE, **task.params})
    # The server answers a repeated key with the first answer: one report per task, ever.
    body = data.model_dump(mode="json", exclude_unset=True) | {"source": data.source.value}
    report = await client.intel.create(body, idempotency_key=task_key(task))
    return {"report_id": report.id}


async def webhook(_: AsyncVtocClient, task: s.Task) -> dict[str, Any]:
    """POST JSON signed with HMAC-SHA256 over the exact body (how n8n workflows start)."""
    url = str(param(task, "url"))
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        raise ValueError(f"set {SECRET_ENV} to sign webhooks")
    body = json.dumps(
        {"task_id": task.id, "payload": task.params.get("payload", {})},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body),
        "Idempotency-Key": task_key(task),
        "X-Vtoc-Attempt": str(task.attempts),
    }
    timeout = float(task.params.get("timeout", 10.0))
    async with httpx.AsyncClient(timeout=timeout) as http:
        response = await http.post(url, content=body, headers=headers)
    if response.status_code >= 400:
        raise RuntimeError(f"webhook answered HTTP {response.status_code}")
    return {"status_code": response.status_code}


async def run_agent(client: AsyncVtocClient, task: s.Task) -> dict[str, Any]:
    agent = await client.trigger_agent(param(task, "name"))
    return {"agent": agent.name, "next_run_at": agent.next_run_at and agent.next_run_at.isoformat()}


ACTIONS: dict[s.TaskAction, Action] = {
    s.TaskAction.set_status: set_status,
    s.TaskAction.assign_asset: assign_asset,
    s.TaskAction.file_report: file_report,
    s.TaskAction.webhook: webhook,
    s.TaskAction.run_agent: run_agent,
}


async def attempt(ctx: Run, task: s.Task, backoff: float) -> s.Task:
    """Run one attempt and report it; an error is retried later by the server's backoff."""
    try:
        result = await ACTIONS[task.action](ctx.client, task)
    except Exception as exc:  # any failure of the action is the task's error, not the run's
        outcome = s.TaskOutcome(
            worker=ctx.worker,
            ok=False,
            error=f"{type(exc).__name__}: {exc}",
            backoff_seconds=backoff,
        )
    else:
        outcome = s.TaskOutcome(worker=ctx.worker, ok=True, result=result)
    return await ctx.client.task_outcome(task.id, outcome)


async def give_back(ctx: Run, tasks: list[s.Task], why: BaseException) -> None:
    """A run that fails with claimed tasks left reports them as failed attempts, due again
    at once: kept, they stayed ``running`` until their claim expired, and a run that failed
    the same way each time held them there for good. Best effort: the server may be what
    failed. An action already done is safe to repeat (see the module's docstring)."""
    error = f"the executor's run stopped before this task: {type(why).__name__}: {why}"[:2000]
    for task in tasks:
        outcome = s.TaskOutcome(worker=ctx.worker, ok=False, error=error, backoff_seconds=0)
        with contextlib.suppress(VtocError):
            await ctx.client.task_outcome(task.id, outcome)


async def run(ctx: Run) -> Outcome:
    settings = s.ExecutorConfig.model_validate(ctx.config)
    claim = s.TaskClaim(
        worker=ctx.worker, limit=settings.batch, lease_seconds=settings.claim_seconds
    )
    backoff = settings.backoff_seconds
    counts = {status.value: 0 for status in s.TaskStatus}
    while claimed := await ctx.client.claim_tasks(claim):
        unfinished = list(claimed)
        try:
            while unfinished:
                finished = await attempt(ctx, unfinished[0], backoff)
                unfinished.pop(0)
                counts[finished.status.value] += 1
        except BaseException as exc:  # a timeout (cancellation) included
            await give_back(ctx, unfinished, exc)
            raise
    stats = {k: v for k, v in counts.items() if v}
    summary = ", ".join(f"{v} {k}" for k, v in stats.items()) or "no due tasks"
    return Outcome(summary, stats)
