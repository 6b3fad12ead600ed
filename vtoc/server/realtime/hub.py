"""One event hub per server process: it reads new events from the table once and fans them
out to every stream subscriber of this process.

Why this is gap-free. Event ids become visible in id order (see the comment on
``EVENT_APPEND_LOCK`` in ``vtoc.server.events``: one advisory lock on PostgreSQL, SQLite's
single writer), so once a reader has seen id N, no id below N can still appear. Everything
here leans on that: the hub keeps the events it read as one contiguous window
``(floor, head]`` of the log, and a subscriber only ever asks "what is after my position?" —
from the window when its position is inside it, from the table when it has fallen behind
the window (a reconnect with an old ``Last-Event-ID``, or a reader too slow for the window).
Nobody is dropped: falling behind costs a table read, never an event.

With no subscriber in this process the hub reads only which kinds of event happened up to
which id (for its watchers) and keeps no window: a burst of ingest must not cost every
server process the decoding of every event nobody streams. The first subscriber starts
from the table.

Wake-ups (NOTIFY on PostgreSQL, an in-process call on SQLite, a periodic poll as a safety
net) only tell the hub to read ``id > head``; they carry no data, so a lost or repeated one
costs latency, not events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import orjson
from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from vtoc import schemas as s
from vtoc.server import events, scopes

log = logging.getLogger(__name__)

#: events read from the table per query
BATCH = 500
#: events kept in memory for subscribers; older positions catch up from the table
WINDOW = 4096
#: table catch-ups of many subscribers at once must not take every pooled connection
CATCH_UP_READERS = 4
#: how long stopping waits for the reader (a read in flight ends within the statement timeout)
STOP_SECONDS = 5.0
#: a streamed event's JSON keys: its columns' names, which are ``schemas.Event``'s fields
FIELDS = tuple(column.key for column in events.STREAMED)


@dataclass(frozen=True, slots=True)
class Item:
    """An event as streamed: its SSE frame is encoded once and shared by every subscriber
    (with hundreds of subscribers, encoding per subscriber is most of the fan-out's cost).

    Every server process with a subscriber encodes every event, so the frame is built from
    the event's columns (``events.STREAMED``) with orjson: the JSON of ``schemas.Event``
    (``Z`` for UTC, as pydantic writes it) without an ORM object and a model per event, which
    cost ~8 times as much during a Wazuh flood.
    """

    id: int
    kind: str
    entity: str
    operation_id: int | None
    frame: bytes
    #: the operations it belongs to: its own, or those an asset's missions serve
    #: (``scopes.operations_of_assets``), as they were when the hub read it; a deleted
    #: asset's, as its event recorded them (it is off every mission by then)
    operations: frozenset[int]

    @classmethod
    def of(cls, row: Sequence[Any], assets: Mapping[int, frozenset[int]]) -> Item:
        """``assets``: the operations of the assets among the events read with this one."""
        event = dict(zip(FIELDS, row, strict=True))
        payload = orjson.dumps(event, option=orjson.OPT_UTC_Z)
        # SSE's fields, as sse-starlette writes them; compact JSON is one ``data`` line
        frame = b"id: %d\r\nevent: %s\r\ndata: %s\r\n\r\n" % (
            event["id"],
            event["kind"].encode(),
            payload,
        )
        own = event["operation_id"]
        operations = frozenset((own,)) if own is not None else assets.get(event["entity_id"])
        if operations is None and event["kind"] == s.EventKind.asset_deleted:
            operations = frozenset(event["data"].get("served_operations", ()))
        return cls(
            event["id"],
            event["kind"],
            event["entity"],
            own,
            frame,
            operations if operations is not None else frozenset(),
        )


@dataclass(frozen=True)
class Filter:
    """Which events a subscriber wants; the same rules as ``events.list_after``."""

    kinds: Sequence[str] = ()
    entity: str | None = None
    operation_id: int | None = None
    #: a scoped principal's operations (``vtoc.server.scopes``): only their events
    operations: frozenset[int] | None = None

    def matches(self, item: Item) -> bool:
        return (
            (not self.kinds or any(item.kind.startswith(k) for k in self.kinds))
            and (self.entity is None or item.entity == self.entity)
            and (self.operation_id is None or item.operation_id == self.operation_id)
            and (self.operations is None or not self.operations.isdisjoint(item.operations))
        )


def items_of(session: Session, rows: Sequence[Row[Any]]) -> list[Item]:
    """``rows`` of ``events.STREAMED`` as items, asset events tagged with their operations."""
    assets = [
        row.entity_id
        for row in rows
        if row.entity == s.Entity.asset and row.operation_id is None and row.entity_id
    ]
    serving = scopes.operations_of_assets(session, assets) if assets else {}
    return [Item.of(row, serving) for row in rows]


class Hub:
    """Reads the event log as it grows and wakes this process's stream subscribers."""

    def __init__(self, sessions: sessionmaker[Session], *, poll_seconds: float) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self.head = 0
        self.floor = 0
        self.window: deque[Item] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup = asyncio.Event()
        self._ready = asyncio.Event()
        # Replaced by a fresh Event each time the head moves: one set() wakes every waiter.
        self._advanced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._catch_up = anyio.CapacityLimiter(CATCH_UP_READERS)
        self._watchers: list[tuple[str, Callable[[], None]]] = []
        self.subscribers = 0

    def watch(self, kind_prefix: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever events of a kind starting with ``kind_prefix`` are read:
        how this process learns that another one changed something it caches."""
        self._watchers.append((kind_prefix, callback))

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Start following; the server starts even while the database is still away.

        Everything bound to an event loop is made afresh: an app may be started again in
        another loop (tests that enter the app's lifespan more than once). Not while it
        runs in one: its events and tasks belong to that loop.
        """
        if self.running:
            raise RuntimeError("the event hub already runs: one lifespan of the app at a time")
        self._loop = asyncio.get_running_loop()
        self._wakeup, self._ready, self._advanced = (
            asyncio.Event(),
            asyncio.Event(),
            asyncio.Event(),
        )
        self._catch_up = anyio.CapacityLimiter(CATCH_UP_READERS)
        self.window.clear()
        self._task = asyncio.create_task(self._follow(), name="vtoc-event-hub")

    async def stop(self) -> None:
        """Stop following, within ``STOP_SECONDS`` whatever the reader is doing: a server
        whose shutdown can wait forever is one a supervisor has to kill."""
        task, self._task, self._loop = self._task, None, None
        if task is None:
            return
        task.cancel()
        _, pending = await asyncio.wait({task}, timeout=STOP_SECONDS)
        if pending:
            log.error("event hub did not stop within %s s; leaving it", STOP_SECONDS)

    def wake(self) -> None:
        """Ask the hub to read new events; safe from any thread, cheap to call too often."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed: the server is stopping
            loop.call_soon_threadsafe(self._wakeup.set)

    # The hub's reader ------------------------------------------------------------------

    async def _follow(self) -> None:
        while True:
            try:
                if not self._ready.is_set():
                    # The window starts at the end of the log: older ids come from the table.
                    self.head = self.floor = await anyio.to_thread.run_sync(self._read_last_id)
                    self._ready.set()
                await self._read_new()
            except Exception:  # the database is away: keep serving, try again later
                log.exception("event hub could not read the event log")
            # Not ``asyncio.wait_for``: on Python 3.11 it swallows a cancellation that lands
            # as the wake-up arrives (a NOTIFY during shutdown), and the hub never stopped.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wakeup.wait()
            self._wakeup.clear()

    async def _read_new(self) -> None:
        while True:
            if self.subscribers:
                items = await anyio.to_thread.run_sync(self._read_rows, self.head)
                if not items:
                    return
                self._tell_watchers(items)
                self.window.extend(items)
                while len(self.window) > WINDOW:
                    self.floor = self.window.popleft().id
                more = len(items) == BATCH
                self._advance(items[-1].id)
            else:
                stubs = await anyio.to_thread.run_sync(self._read_stubs, self.head)
                if not stubs:
                    return
                self._tell_watchers(stubs)
                # nobody to keep events for: the window restarts empty at the new head
                self.window.clear()
                self.floor = stubs[-1].id
                more = False  # one stub per kind covers every new event
                self._advance(stubs[-1].id)
            if not more:
                return

    def _tell_watchers(self, read: Sequence[Item] | Sequence[events.Stub]) -> None:
        for prefix, callback in self._watchers:
            if any(row.kind.startswith(prefix) for row in read):
                callback()

    def _advance(self, head: int) -> None:
        self.head = head
        advanced, self._advanced = self._advanced, asyncio.Event()
        advanced.set()

    def _read_rows(self, after: int) -> list[Item]:
        with self.sessions() as session:
            rows = events.streamed_after(session, after=after, limit=BATCH)
            return items_of(session, rows)

    def _read_stubs(self, after: int) -> list[events.Stub]:
        with self.sessions() as session:
            return events.stubs_after(session, after=after)

    def _read_last_id(self) -> int:
        with self.sessions() as session:
            return events.last_id(session)

    # Subscribers -----------------------------------------------------------------------

    async def subscribe(self, after: int | None, wanted: Filter) -> AsyncIterator[Item | int]:
        """Every wanted event after ``after`` (or from now), in id order, forever.

        Yields the starting position (an ``int``) first, so that a client that connected
        "from now" can resume from there; then ``Item``s.
        """
        await self._ready.wait()
        self.subscribers += 1
        try:
            position = after if after is not None else await self._position_now()
            yield position
            async for item in self._follow_from(position, wanted):
                yield item
        finally:
            self.subscribers -= 1

    async def _follow_from(self, position: int, wanted: Filter) -> AsyncIterator[Item]:
        while True:
            window = self._since(position)
            if window is None:
                items, position = await self._from_table(position, wanted)
                for item in items:
                    yield item
                continue
            if not window:
                await self._wait_past(position)
                continue
            for item in window:
                if wanted.matches(item):
                    yield item
            position = window[-1].id

    async def _wait_past(self, position: int) -> None:
        while self.head <= position:
            await self._advanced.wait()

    async def _position_now(self) -> int:
        return max(self.head, await anyio.to_thread.run_sync(self._read_last_id))

    def _since(self, position: int) -> list[Item] | None:
        """The window's events after ``position``; None when it no longer reaches back."""
        if position < self.floor:
            return None
        newer: list[Item] = []
        for item in reversed(self.window):
            if item.id <= position:
                break
            newer.append(item)
        newer.reverse()
        return newer

    async def _from_table(self, position: int, wanted: Filter) -> tuple[list[Item], int]:
        read: Callable[[], tuple[list[Item], int]] = lambda: self._read_table(position, wanted)  # noqa: E731
        return await anyio.to_thread.run_sync(read, limiter=self._catch_up)

    def _read_table(self, position: int, wanted: Filter) -> tuple[list[Item], int]:
        """Wanted events after ``position`` and the position they bring the reader to.

        ``upper`` is read first: every id up to it is settled, so when the filtered page is
        not full the reader may skip to it even if no wanted event lies in between.
        """
        with self.sessions() as session:
            upper = events.last_id(session)
            scopes.limit(session, wanted.operations)
            rows = events.streamed_after(
                session,
                after=position,
                limit=BATCH,
                kind=list(wanted.kinds),
                entity=wanted.entity,
                operation_id=wanted.operation_id,
            )
            items = items_of(session, rows)
        if len(rows) == BATCH:
            return items, rows[-1].id
        return items, max(position, upper, rows[-1].id if rows else 0)
