"""The server stops within a bound, whatever its event hub and listener are doing: a server
whose shutdown can hang is one a supervisor has to kill."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from vtoc.server.db import make_sessionmaker
from vtoc.server.realtime.hub import Hub

pytestmark = pytest.mark.anyio

#: stopping waits this long at most for the hub's reader, and as long for the listener
STOP_SECONDS = 5.0


async def idle(hub: Hub) -> None:
    """Until the hub's reader waits for its next wake-up."""
    while not hub._wakeup._waiters:  # type: ignore[attr-defined]
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("turns", range(6))
async def test_the_hub_stops_when_a_wake_up_lands_as_it_stops(engine: Engine, turns: int) -> None:
    """A NOTIFY arriving during shutdown used to cost the hub its cancellation on Python 3.11
    (``asyncio.wait_for``), and `make test` hung in TestClient.__exit__ for 300 s. Each
    ``turns`` puts the cancellation at another step of the wake-up."""
    hub = Hub(make_sessionmaker(engine), poll_seconds=60)
    await hub.start()
    await idle(hub)
    hub.wake()
    for _ in range(turns):
        await asyncio.sleep(0)
    async with asyncio.timeout(STOP_SECONDS):
        await hub.stop()
    assert not hub.running


def test_a_second_lifespan_while_one_runs_is_refused(app: FastAPI) -> None:
    """One hub per app: a second start would take it over from the first loop's lifespan."""
    with TestClient(app) as http:
        second = TestClient(app)
        with pytest.raises(RuntimeError, match="one lifespan of the app at a time"):
            second.__enter__()
        assert http.get("/healthz").status_code == 200
