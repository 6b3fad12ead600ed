"""The live event feed behind one interface: the server's stream, or polling as a fallback.

``AsyncVtocClient.stream_events`` (server-sent events that resume by themselves) is used
when the client has it; otherwise the feed polls ``/api/v1/events?after=``. Either way the
app gets each event once, in order, in batches, and a status callback that drives the
"lost" banner.

Why batches: a Wazuh flood streams thousands of events a second. Applied one by one, each
redrew the dashboard's feed (~1.2 ms), so the TUI fell behind (800 events/s) and answered
keys ~0.3 s late. Every screen now updates once per batch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, NotFound, VtocError

POLL_SECONDS = 0.5
#: events reach the screens at most this long after they arrive, together
BATCH_SECONDS = 0.1
RETRY_SECONDS = 1.0
PROBE_SECONDS = 2.0
#: the longest the feed parses events before letting keys and repaints run
SLICE_SECONDS = 0.004


async def latest_event_id(client: AsyncVtocClient) -> int:
    board = await client.dashboard()
    return board.recent_events[0].id if board.recent_events else 0


class Feed:
    """Follows the event log from the newest event on, forever, resuming where it stopped."""

    def __init__(
        self,
        client: AsyncVtocClient,
        on_events: Callable[[list[s.Event]], Any],
        on_status: Callable[[bool], Any],
    ) -> None:
        self.client = client
        self.on_events = on_events
        self.on_status = on_status
        self.last: int | None = None
        self.connected = True
        self.batch: list[s.Event] = []
        self.flush_timer: asyncio.TimerHandle | None = None

    def status(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.on_status(connected)

    def deliver(self, event: s.Event) -> None:
        if self.last is not None and event.id <= self.last:
            return  # a replay after a reconnect
        self.last = event.id
        self.batch.append(event)
        if self.flush_timer is None:
            self.flush_timer = asyncio.get_running_loop().call_later(BATCH_SECONDS, self.flush)

    def flush(self) -> None:
        self.flush_timer = None
        batch, self.batch = self.batch, []
        if batch:
            self.on_events(batch)

    async def run(self) -> None:
        watcher = asyncio.create_task(self.watch())
        try:
            await self.follow()
        finally:
            watcher.cancel()
            if self.flush_timer is not None:
                self.flush_timer.cancel()

    async def watch(self) -> None:
        """Probe the server every few seconds: the banner shows a drop at once, while the
        stream is still quietly retrying, and goes away when the server answers again."""
        while True:
            try:
                response = await self.client.http.get("/readyz", timeout=PROBE_SECONDS)
                self.status(response.status_code == 200)
            except httpx.HTTPError:
                self.status(False)
            await asyncio.sleep(PROBE_SECONDS)

    async def follow(self) -> None:
        stream: Callable[..., AsyncIterator[s.Event]] | None = getattr(
            self.client, "stream_events", None
        )
        while True:
            try:
                if self.last is None:
                    self.last = await latest_event_id(self.client)
                    self.status(True)
                if stream is not None:
                    await self.read(stream(after=self.last))
                else:
                    await self.poll()
            except NotFound:
                stream = None  # a server without the stream: poll the event log instead
            except (VtocError, httpx.HTTPError):
                self.status(False)
                await asyncio.sleep(RETRY_SECONDS)

    async def read(self, events: AsyncIterator[s.Event]) -> None:
        """Deliver the stream's events, giving the loop back every ``SLICE_SECONDS``: in a
        flood one read from the socket holds hundreds of events, and parsing them all in one
        go held keys and repaints back by tens of milliseconds."""
        since = time.perf_counter()
        async for event in events:
            self.status(True)
            self.deliver(event)
            if time.perf_counter() - since > SLICE_SECONDS:
                await asyncio.sleep(0)
                since = time.perf_counter()

    async def poll(self) -> None:
        page = await self.client.events.list(after=self.last or 0, limit=500)
        self.status(True)
        for event in page.items:
            self.deliver(event)
        if page.next_cursor is None:
            await asyncio.sleep(POLL_SECONDS)
