"""``vtoc agents run``: one agent worker process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import uuid

from vtoc.agents.scheduler import Scheduler
from vtoc.client import AsyncVtocClient
from vtoc.config import resolve_context


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"


def main(
    *,
    once: bool = False,
    only: list[str] | None = None,
    worker_id: str | None = None,
    context: str | None = None,
    poll_seconds: float = 5.0,
    lease_seconds: int = 30,
) -> None:
    """Run due agents until interrupted (or one pass with ``once``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    ctx = resolve_context(context)

    async def go() -> None:
        # a supervisor's stop (SIGTERM: docker, systemd, ``vtoc up``) ends it as Ctrl-C does
        main_task = asyncio.current_task()
        assert main_task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
        async with AsyncVtocClient(ctx.api_url, ctx.token) as client:
            scheduler = Scheduler(
                client,
                worker_id or default_worker_id(),
                only=only,
                lease_seconds=lease_seconds,
                poll_seconds=poll_seconds,
            )
            await scheduler.run(once=once)

    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):  # quietly
        asyncio.run(go())
