"""What both clients do around a request: headers, request ids, retries, reading the answer.

Idempotent calls are retried with backoff when the server cannot be reached; creates carry
a generated ``Idempotency-Key`` so that a retry never makes a twin.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from vtoc.client.calls import Call
from vtoc.client.errors import Unavailable, VtocError, error_for, foreign, unreachable

T = TypeVar("T")
Http = TypeVar("Http", httpx.Client, httpx.AsyncClient)

#: Set it (``REQUEST_ID.set(...)``) to pass on the id of the work being done, e.g. an agent
#: run; otherwise every call gets a fresh one. Retries of a call keep its id.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "vtoc_request_id", default=None
)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.2
    max_delay: float = 3.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2**attempt))


def request_args(call: Call[Any]) -> dict[str, Any]:
    """The arguments of ``httpx``'s ``request`` for ``call``; built once, so retries of a
    call keep its request id."""
    return {
        "method": call.method,
        "url": call.path,
        "params": call.params,
        "json": call.json,
        "content": call.content,
        "headers": {**call.headers, "X-Request-ID": REQUEST_ID.get() or uuid.uuid4().hex},
    }


def should_retry(call: Call[Any], exc: Exception) -> bool:
    """A refused connection sent nothing: always safe. Anything later only if idempotent."""
    if isinstance(exc, httpx.ConnectError):
        return True
    if isinstance(exc, httpx.TransportError):
        return call.idempotent
    return isinstance(exc, Unavailable) and call.idempotent


#: what a failed attempt raises; ``retry_delay`` decides whether to try again
RETRYABLE = (httpx.TransportError, Unavailable)


def finish(call: Call[T], response: httpx.Response) -> T:
    if response.status_code >= 400:
        raise error_for(response)
    if (other := foreign(response, call.headers.get("Accept"))) is not None:
        raise other
    return call.parse(response)


def auth_headers(token: str | None) -> dict[str, str]:
    headers = {"User-Agent": "vtoc-client", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


class Connection(Generic[Http]):
    """Which server, with which token, over which ``httpx`` client, retried how."""

    http_class: type[Http]

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        token: str | None = None,
        *,
        http: Http | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.http: Http = http or self.http_class(base_url=self.base_url, timeout=timeout)
        self.http.headers.update(auth_headers(token))

    def retry_delay(self, call: Call[Any], attempt: int, exc: Exception) -> float:
        """Seconds to wait before sending ``call`` again, or raise when this failure is final."""
        if attempt + 1 >= self.retry.attempts or not should_retry(call, exc):
            if isinstance(exc, VtocError):
                raise exc
            raise unreachable(self.base_url, exc) from exc
        return self.retry.delay(attempt)
