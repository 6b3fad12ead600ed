"""Each agent run's requests carry one request id, which the server logs and echoes."""

from __future__ import annotations

import asyncio
import logging
import re

import httpx
import pytest

from tests.agents.conftest import AgentRunner
from vtoc import schemas as s
from vtoc.agents.scheduler import Scheduler
from vtoc.client import REQUEST_ID


def test_a_runs_requests_share_one_id_in_the_servers_log_and_answers(
    runner: AgentRunner, caplog: pytest.LogCaptureFixture
) -> None:
    runner.api.operations.create(name="Something to analyze")
    runner.api.trigger_agent("analyzer")
    echoed: list[tuple[str, str]] = []

    async def remember(response: httpx.Response) -> None:
        echoed.append((response.request.url.path, response.headers["X-Request-ID"]))

    async def tick() -> list[s.AgentRun]:
        async with runner.connect() as client:
            client.http.event_hooks["response"].append(remember)
            return await Scheduler(client, "rid-worker", only=["analyzer"]).tick()

    with caplog.at_level(logging.INFO, logger="vtoc.access"):
        [run] = asyncio.run(tick())
    assert run.status == s.RunStatus.ok, run.summary
    assert REQUEST_ID.get() is None, "the id ends with the run"

    in_run = [(path, rid) for path, rid in echoed if path != "/api/v1/agents"]
    ids = {rid for _, rid in in_run}
    assert len(ids) == 1, echoed
    (run_id,) = ids
    assert re.fullmatch(r"run-analyzer-[0-9a-f]{8}", run_id)
    paths = [path for path, _ in in_run]
    assert paths[0] == "/api/v1/agents/analyzer/lease"
    assert paths[-1] == "/api/v1/agents/analyzer/runs"
    assert len(paths) > 2, "the agent's own calls are in the run too"
    logged = [r for r in caplog.records if getattr(r, "request_id", None) == run_id]
    assert [getattr(r, "path", None) for r in logged] == paths
    listing = next(rid for path, rid in echoed if path == "/api/v1/agents")
    assert listing != run_id, "calls outside a run keep their own ids"
