"""``AsyncVtocClient``: the non-blocking client, for the TUI and the agents."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

import httpx
from httpx_sse import aconnect_sse

from vtoc import schemas as s
from vtoc.client.api import Calls
from vtoc.client.calls import AsyncSender, Call
from vtoc.client.stream import STREAM_FAILURES, StreamCursor, ended
from vtoc.client.transport import RETRYABLE, Connection, finish, request_args

T = TypeVar("T")


class AsyncVtocClient(Calls, AsyncSender, Connection[httpx.AsyncClient]):
    """Non-blocking client for the TUI and the agents; every call of ``Calls`` is awaited."""

    http_class = httpx.AsyncClient

    async def send(self, call: Call[T]) -> T:
        args = request_args(call)
        for attempt in range(self.retry.attempts):
            try:
                return finish(call, await self.http.request(**args))
            except RETRYABLE as exc:
                await asyncio.sleep(self.retry_delay(call, attempt, exc))
        raise AssertionError("unreachable")

    async def stream_events(
        self,
        *,
        after: int | None = None,
        kinds: list[str] | None = None,
        entity: str | None = None,
        operation_id: int | None = None,
    ) -> AsyncIterator[s.Event]:
        """Events after ``after`` (default: from now), then live ones, forever.

        ``kinds`` are kind prefixes (any matches). A lost connection is reopened with backoff
        from the last id seen, so nothing is missed or repeated; after about 40 s of failures
        it raises ``Unavailable``. A 401/403 raises at once.
        """
        cursor = StreamCursor(self.base_url, after, kinds, entity, operation_id)
        while True:
            try:
                async with aconnect_sse(self.http, **cursor.request(self.http)) as source:
                    if source.response.is_error:
                        await source.response.aread()
                    cursor.opened(source.response)
                    async for sse in source.aiter_sse():
                        if (event := cursor.read(sse)) is not None:
                            yield event
                raise ended()
            except STREAM_FAILURES as exc:
                await asyncio.sleep(cursor.retry_delay(exc))

    async def ready(self) -> bool:
        try:
            return (await self.http.get("/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncVtocClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
