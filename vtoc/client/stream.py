"""The live event stream (SSE): where it is and how to reopen it after a lost connection.

Shared by the sync and async clients, which only differ in how they wait and read.
"""

from __future__ import annotations

from typing import Any

import httpx
from httpx_sse import ServerSentEvent, SSEError

from vtoc import schemas as s
from vtoc.client.calls import params_of
from vtoc.client.errors import RETRYABLE_STATUS, VtocError, error_for, unreachable
from vtoc.client.rows import EVENTS
from vtoc.client.transport import RetryPolicy

STREAM_PATH = f"{EVENTS.path}/stream"
#: a stream outlives short outages: about 40 s of failed reconnects before giving up
STREAM_RETRY = RetryPolicy(attempts=12, base_delay=0.2, max_delay=5.0)
#: the server sends a heartbeat every 15 s; this many seconds of silence mean a dead link
STREAM_READ_TIMEOUT = 60.0


class StreamCursor:
    """Where an event stream is and how to reopen it there after a lost connection."""

    def __init__(
        self,
        base_url: str,
        after: int | None,
        kinds: list[str] | None,
        entity: str | None,
        operation_id: int | None,
    ) -> None:
        self.base_url = base_url
        self.after = after
        self.filters = params_of(
            {"kind": kinds or [], "entity": entity, "operation_id": operation_id}
        )
        self.failures = 0

    def request(self, http: httpx.Client | httpx.AsyncClient) -> dict[str, Any]:
        """The arguments of ``connect_sse`` after ``http`` that (re)open the stream here."""
        after = {"after": self.after} if self.after is not None else {}
        return {
            "method": "GET",
            "url": STREAM_PATH,
            "params": {**self.filters, **after},
            "timeout": httpx.Timeout(http.timeout.connect, read=STREAM_READ_TIMEOUT),
        }

    def opened(self, response: httpx.Response) -> None:
        """Raise for an answer that is not a stream (its body read); reset the backoff."""
        if response.status_code >= 400:
            raise error_for(response)
        self.failures = 0

    def read(self, sse: ServerSentEvent) -> s.Event | None:
        """The event in ``sse``, or None for the server's id-only resume point."""
        if sse.id:
            self.after = int(sse.id)
        return s.Event.model_validate_json(sse.data) if sse.data else None

    def retry_delay(self, exc: Exception) -> float:
        """Seconds to wait before reconnecting, or raise when it is hopeless."""
        if isinstance(exc, SSEError):
            raise VtocError(f"not an event stream: {exc}") from exc
        retryable = isinstance(exc, httpx.TransportError) or (
            isinstance(exc, VtocError) and exc.status in RETRYABLE_STATUS
        )
        self.failures += 1
        if not retryable or self.failures >= STREAM_RETRY.attempts:
            if isinstance(exc, VtocError):
                raise exc
            raise unreachable(self.base_url, exc) from exc
        return STREAM_RETRY.delay(self.failures - 1)


def ended() -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError("the server ended the event stream")


#: what a failed (re)connection raises; ``StreamCursor.retry_delay`` decides what follows
STREAM_FAILURES = (httpx.TransportError, VtocError, SSEError)
