"""Real time: the event hub every stream reads from, and what wakes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from sqlalchemy import Engine

from vtoc.server import events
from vtoc.server.realtime.hub import Hub
from vtoc.server.realtime.pg_listener import PgListener


@asynccontextmanager
async def running(hub: Hub, engine: Engine) -> AsyncIterator[None]:
    """Run the hub for the life of the app, woken by NOTIFY (PostgreSQL) or in-process."""
    await hub.start()
    if engine.dialect.name == "postgresql":
        listener = PgListener(engine, hub.wake)
        listener.start()
        stop = listener.stop
    else:
        stop = events.add_local_waker(hub.wake)
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(stop)
        await hub.stop()
