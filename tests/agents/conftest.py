"""Run agents in-process against the real app, through the async client and the scheduler."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from vtoc import schemas as s
from vtoc.agents.scheduler import Scheduler
from vtoc.client import AsyncVtocClient, VtocClient


@dataclass
class AgentRunner:
    """Makes an agent due and runs one scheduler tick for it, as a worker would."""

    app: FastAPI
    token: str
    api: VtocClient

    def configure(self, name: str, **config: Any) -> None:
        self.api.agents.update(name, config=config)

    def connect(self) -> AsyncVtocClient:
        """An async client on the app, as an agent worker holds one."""
        transport = httpx.ASGITransport(app=self.app)
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        return AsyncVtocClient("http://testserver", self.token, http=http)

    def run(self, name: str, worker: str = "test-worker") -> s.AgentRun:
        self.api.trigger_agent(name)

        async def tick() -> list[s.AgentRun]:
            async with self.connect() as client:
                return await Scheduler(client, worker, only=[name]).tick()

        [run] = asyncio.run(tick())
        assert run.status == s.RunStatus.ok, run.summary
        return run


@pytest.fixture
def runner(app: FastAPI, make_token: Callable[..., str], admin: VtocClient) -> AgentRunner:
    return AgentRunner(app, make_token(s.Role.operator, "agents"), admin)


@dataclass
class Target:
    """A real local HTTP server whose answers a test scripts: a status code per request."""

    statuses: list[int] = field(default_factory=list)
    default: int = 200
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        return self.statuses.pop(0) if self.statuses else self.default


@pytest.fixture
def target() -> Iterator[Target]:
    scripted = Target()

    class Handler(BaseHTTPRequestHandler):
        def reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            scripted.requests.append((dict(self.headers.items()), self.rfile.read(length)))
            self.send_response(scripted.answer())
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = reply

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    scripted.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield scripted
    server.shutdown()
    server.server_close()
