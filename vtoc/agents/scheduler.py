"""The worker loop: lease each due agent, run it under a renewed lease and a timeout, report.

Many workers may share one server. The server grants a lease to one of them per due time
(a conditional UPDATE), so each due time runs once; a worker that dies stops renewing, its
lease expires, and the next worker to ask runs the agent instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from vtoc import schemas as s
from vtoc.agents import analyzer, executor, monitor
from vtoc.agents.base import AgentFn, Outcome, Run, utcnow
from vtoc.client import REQUEST_ID, AsyncVtocClient, Conflict, VtocError

log = logging.getLogger("vtoc.agents")

REGISTRY: Mapping[s.AgentKind, AgentFn] = {
    s.AgentKind.monitor: monitor.run,
    s.AgentKind.analyzer: analyzer.run,
    s.AgentKind.executor: executor.run,
}
#: what a config that sets no ``timeout_seconds`` gets (``schemas.AgentConfig``)
DEFAULT_TIMEOUT_SECONDS = s.AgentConfig().timeout_seconds


@dataclass
class Scheduler:
    client: AsyncVtocClient
    worker: str
    only: list[str] | None = None
    lease_seconds: int = 30
    poll_seconds: float = 5.0
    registry: Mapping[s.AgentKind, AgentFn] = field(default_factory=lambda: REGISTRY)

    def wanted(self, agent: s.Agent) -> bool:
        """Enabled, ours to run, due, and not visibly leased by someone else."""
        now = utcnow()
        return (
            agent.enabled
            and (not self.only or agent.name in self.only)
            and (agent.next_run_at is None or agent.next_run_at <= now)
            and (agent.lease_expires_at is None or agent.lease_expires_at < now)
        )

    async def tick(self) -> list[s.AgentRun]:
        """One pass over the registry: every due agent we win a lease for runs once."""
        runs = []
        await self.wake_executor()
        for agent in (await self.client.agents.list()).items:
            if not self.wanted(agent):
                continue
            # One request id for the run's lease, its agent's calls, renewals and report,
            # so the server's access log shows a run as one thread.
            request_id = REQUEST_ID.set(f"run-{agent.name}-{uuid.uuid4().hex[:8]}")
            try:
                run = await self.lease_and_run(agent)
            finally:
                REQUEST_ID.reset(request_id)
            if run is not None:
                runs.append(run)
        return runs

    async def lease_and_run(self, agent: s.Agent) -> s.AgentRun | None:
        try:
            leased = await self.client.lease(
                agent.name, s.LeaseRequest(worker=self.worker, lease_seconds=self.lease_seconds)
            )
        except Conflict:  # another worker won it, or it stopped being due
            return None
        return await self.run_leased(leased)

    async def wake_executor(self) -> None:
        """A queued task that is due makes the executor due now, not at its next interval."""
        if not self.runs_executor():
            return
        queued = await self.client.tasks.list(status=[s.TaskStatus.queued], limit=100)
        now = utcnow()
        if any(task.run_after <= now for task in queued.items):
            agent = await self.client.agents.get("executor")
            if agent.enabled and agent.next_run_at is not None and agent.next_run_at > now:
                await self.client.trigger_agent("executor")

    async def run_leased(self, agent: s.Agent) -> s.AgentRun | None:
        """Run under the lease; None when the lease was lost (someone else owns the run)."""
        started = utcnow()
        timeout = float(agent.config.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))
        work = asyncio.create_task(
            asyncio.wait_for(
                self.registry[agent.kind](Run(self.client, agent, self.worker)), timeout
            )
        )
        lost = asyncio.Event()
        keeper = asyncio.create_task(self.keep_lease(agent.name, work, lost))
        state: dict[str, object] | None = None
        try:
            outcome = await work
            status, summary, stats, state = (
                s.RunStatus.ok,
                outcome.summary,
                outcome.stats,
                outcome.state,
            )
        except TimeoutError:
            status, summary, stats = s.RunStatus.timeout, f"timed out after {timeout:g}s", {}
        except asyncio.CancelledError:
            if not lost.is_set():
                raise
            log.warning("%s: lease on %s lost mid-run; abandoned", self.worker, agent.name)
            return None
        except Exception as exc:  # an agent's bug is recorded as a failed run, not a dead worker
            if isinstance(exc, VtocError):  # the server could not help: no bug to trace
                log.warning("%s failed: %s", agent.name, exc)
            else:
                log.exception("%s failed", agent.name)
            status, summary, stats = s.RunStatus.error, f"{type(exc).__name__}: {exc}", {}
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        report = s.RunReport(
            worker=self.worker,
            status=status,
            summary=summary,
            stats=stats,
            started_at=started,
            finished_at=utcnow(),
            state=state,
        )
        try:
            return await self.client.report_run(agent.name, report)
        except Conflict:
            log.warning("%s: lease on %s expired before the report", self.worker, agent.name)
            return None

    async def keep_lease(self, name: str, work: asyncio.Task[Outcome], lost: asyncio.Event) -> None:
        request = s.LeaseRequest(worker=self.worker, lease_seconds=self.lease_seconds)
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self.client.lease(name, request, renew=True)
            except Conflict:
                lost.set()
                work.cancel()
                return
            except VtocError as exc:  # the server is away: keep trying until the lease ends
                log.warning("renewing %s: %s", name, exc)

    def runs_executor(self) -> bool:
        return not self.only or "executor" in self.only

    async def watch_tasks(self, wake: asyncio.Event) -> None:
        """Wake the loop at once when a task is created, rather than at the next poll."""
        try:
            async for _ in self.client.stream_events(kinds=[s.EventKind.task_created]):
                wake.set()
        except VtocError as exc:  # no stream: polling still finds due tasks
            log.warning("task events unavailable, polling only: %s", exc)

    async def run(self, *, once: bool = False) -> None:
        wake = asyncio.Event()
        watcher = None
        if not once and self.runs_executor():
            watcher = asyncio.create_task(self.watch_tasks(wake))
        try:
            while True:
                try:
                    for run in await self.tick():
                        log.info("%s run %s: %s", run.agent_id, run.status, run.summary)
                except VtocError as exc:
                    if once:
                        raise
                    log.warning("tick failed: %s", exc)
                if once:
                    return
                # not ``asyncio.wait_for``: on Python 3.11 it swallows a stop (cancellation)
                # that lands as a task's wake-up does, and the worker never stopped
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await wake.wait()
                wake.clear()
        finally:
            if watcher is not None:
                watcher.cancel()
