"""``VtocClient``: the blocking client, for scripts and the CLI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TypeVar

import httpx
from httpx_sse import connect_sse

from vtoc import schemas as s
from vtoc.client.api import Calls
from vtoc.client.calls import Call, SyncSender
from vtoc.client.stream import STREAM_FAILURES, StreamCursor, ended
from vtoc.client.transport import RETRYABLE, Connection, finish, request_args

T = TypeVar("T")


class VtocClient(Calls, SyncSender, Connection[httpx.Client]):
    """Blocking client for scripts and the CLI; every call of ``Calls`` returns its answer."""

    http_class = httpx.Client

    def send(self, call: Call[T]) -> T:
        args = request_args(call)
        for attempt in range(self.retry.attempts):
            try:
                return finish(call, self.http.request(**args))
            except RETRYABLE as exc:
                time.sleep(self.retry_delay(call, attempt, exc))
        raise AssertionError("unreachable")

    def stream_events(
        self,
        *,
        after: int | None = None,
        kinds: list[str] | None = None,
        entity: str | None = None,
        operation_id: int | None = None,
    ) -> Iterator[s.Event]:
        """Events after ``after`` (default: from now), live, forever; see ``AsyncVtocClient``."""
        cursor = StreamCursor(self.base_url, after, kinds, entity, operation_id)
        while True:
            try:
                with connect_sse(self.http, **cursor.request(self.http)) as source:
                    if source.response.is_error:
                        source.response.read()
                    cursor.opened(source.response)
                    for sse in source.iter_sse():
                        if (event := cursor.read(sse)) is not None:
                            yield event
                raise ended()
            except STREAM_FAILURES as exc:
                time.sleep(cursor.retry_delay(exc))

    def ready(self) -> bool:
        try:
            return self.http.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> VtocClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
