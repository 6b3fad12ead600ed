"""A real HTTP server for tests that stream (TestClient buffers responses, uvicorn does not),
and a stream reader that proves delivery by wake-up rather than by the clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from httpx_sse import connect_sse

from tests.processes import free_port
from vtoc.schemas import Event

T = TypeVar("T")


@contextmanager
def serve(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Run ``app`` (lifespan included) on a loopback port in a thread; yield its URL.

    On exit, open streams get one second before uvicorn cuts them, as a restart would.
    """
    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        backlog=1024,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def first_event_after_opening(
    url: str, token: str, write: Callable[[], T], kind: str
) -> tuple[list[Event], T]:
    """Open a stream "from now", wait for its resume point (the server then follows the log
    for it), call ``write``, and return the first event that arrives within 30 s.

    The safety poll is an hour away (``live_for``, the replicas): an event that arrives
    was carried by a wake-up (in-process or NOTIFY), however slow the machine is."""
    opened = threading.Event()
    got: list[Event] = []

    def read() -> None:
        with (
            httpx.Client(base_url=url, timeout=30) as http,
            connect_sse(
                http,
                "GET",
                "/api/v1/events/stream",
                headers={"Authorization": f"Bearer {token}"},
                params={"kind": kind},
            ) as source,
        ):
            for sse in source.iter_sse():
                if not sse.data:
                    opened.set()
                    continue
                got.append(Event.model_validate_json(sse.data))
                return

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    assert opened.wait(30), "the stream did not open"
    written = write()
    thread.join(timeout=30)
    return got, written
