"""Defences every request passes through: headers, timeouts, JSON depth, write rate limits."""

from __future__ import annotations

import asyncio
import json
import math
import re
import threading
import time
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vtoc.server import metrics
from vtoc.server.errors import RateLimitedError
from vtoc.server.problems import problem

OFFLOAD_BYTES = 256 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DOCS_PREFIXES = ("/api/docs",)  # Swagger UI loads its scripts from elsewhere: no strict CSP

_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}
_API_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}
RawHeaders = list[tuple[bytes, bytes]]


def _raw(headers: dict[str, str]) -> RawHeaders:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


_DOCS_RAW = _raw(_HEADERS)
_API_RAW = _raw(_HEADERS | _API_HEADERS)


def security_headers(path: str) -> RawHeaders:
    """The headers that keep a browser from sniffing, framing or caching API answers, as
    raw ASGI pairs; an answer keeps any of them it set itself (``access.Front`` adds them)."""
    return _DOCS_RAW if path.startswith(DOCS_PREFIXES) else _API_RAW


class Deadlines:
    """When each request of an event loop must have started answering, and one timer for
    all of them: ``asyncio.timeout`` arms and cancels a timer per request (~10 µs on uvloop,
    more than routing the request). Every request gets the same ``seconds``, so the order
    requests came in is the order of their deadlines: the timer waits for the oldest one's,
    and a request that ends first only leaves the table."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.loop: asyncio.AbstractEventLoop | None = None
        #: request task -> (deadline, its ``cancelling()`` count when it came), oldest first
        self.due: dict[asyncio.Task[Any], tuple[float, int]] = {}
        #: tasks cancelled for their deadline, until they see it
        self.expired: dict[asyncio.Task[Any], int] = {}
        self.timer: asyncio.TimerHandle | None = None

    def enter(self) -> asyncio.Task[Any]:
        """The current request's task, from now on bound by ``seconds``."""
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a new loop (a test's TestClient): its own table
            self.loop, self.due, self.expired, self.timer = loop, {}, {}, None
        task = asyncio.current_task(loop)
        assert task is not None
        deadline = loop.time() + self.seconds
        self.due[task] = (deadline, task.cancelling())
        if self.timer is None:
            self.timer = loop.call_at(deadline, self.expire, loop)
        return task

    def leave(self, task: asyncio.Task[Any]) -> bool:
        """The request ended; whether it was cancelled for its deadline (and by nothing
        else: then its cancellation is the deadline's to turn into a timeout)."""
        if self.due.pop(task, None) is not None:
            return False
        cancelling = self.expired.pop(task, None)
        return cancelling is not None and task.uncancel() <= cancelling

    def expire(self, loop: asyncio.AbstractEventLoop) -> None:
        """Cancel every request past its deadline; wait for the next oldest one's. A timer
        of a loop the table no longer follows (a test's earlier one) does nothing."""
        if loop is not self.loop:
            return
        self.timer = None
        now = loop.time()
        for task, (deadline, cancelling) in list(self.due.items()):
            if deadline > now:
                self.timer = loop.call_at(deadline, self.expire, loop)
                return
            del self.due[task]
            self.expired[task] = cancelling
            task.cancel()


class RequestTimeout:
    """504 for a request that has not started answering within ``seconds``.

    Event streams are exempt: they are meant to stay open. A synchronous endpoint keeps its
    worker thread until the database gives up (``statement_timeout`` on PostgreSQL), but the
    client gets its answer and its connection back.
    """

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.deadlines = Deadlines(seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0 or is_stream(scope):
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        task = self.deadlines.enter()
        try:
            await self.app(scope, receive, watch)
        except asyncio.CancelledError:
            if not self.deadlines.leave(task):
                raise
            if started:  # as ``asyncio.timeout`` would: the answer is cut short
                raise TimeoutError from None
            response = problem(504, "Timeout", f"no answer within {self.seconds:g} s; retry")
            await response(scope, receive, send)
            return
        except BaseException:
            self.deadlines.leave(task)
            raise
        self.deadlines.leave(task)  # an app that swallowed the cancellation has answered


_ACCEPT = b"accept"
_EVENT_STREAM = b"text/event-stream"


def is_stream(scope: Scope) -> bool:
    if scope["path"].endswith("/stream"):
        return True
    # the last Accept wins, as dict(headers) had it
    accept = b""
    for name, value in scope["headers"]:
        if name == _ACCEPT:
            accept = value
    return _EVENT_STREAM in accept


# A JSON string, escapes included (the unrolled form keeps the regex engine linear).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
# A quote after a run of backslashes, matched from the run's first backslash (the
# lookbehind: a run is matched once, so a long run costs linear time).
_BACKSLASHES_QUOTE = re.compile(rb'\\(?<!\\\\)\\*"')
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'"[]{}\0'))
# Openers become 1 and closers -1 (as signed bytes), so C code can sum the running depth.
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether ``body`` nests arrays/objects deeper than ``limit`` (strings are skipped)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # cannot nest deeper than it has openers
    brackets = outside_strings(body).translate(_STEPS)
    return max(accumulate(memoryview(brackets).cast("b")), default=0) > limit


def outside_strings(body: bytes) -> bytes:
    """The brackets ``_STRING.sub(b"", body)`` leaves, in order.

    That regex walks every byte of every string in Python's engine (~12 ns a byte, 10 µs
    per Wazuh alert); this splits at quotes in C. An escaped quote (after an odd run of
    backslashes) becomes a NUL first; a NUL left outside the strings means one was not in
    a string (not JSON), and then the regex decides.
    """
    marked = bytearray(body)
    for match in _BACKSLASHES_QUOTE.finditer(body):
        if (match.end() - match.start()) % 2 == 0:  # an odd run, then the quote
            marked[match.end() - 1] = 0
    structure = bytes(marked.translate(None, _NOT_STRUCTURE))
    tail = b""
    if structure.count(b'"') % 2:  # nothing closes the last quote: what follows it stays
        structure, _, tail = structure.rpartition(b'"')
    # Strings are the odd parts. Dropping adjacent quotes first (mostly empty strings, as
    # their text is gone) keeps the parity of every bracket and leaves few parts.
    outside = b"".join(structure.replace(b'""', b"").split(b'"')[0::2]) + tail
    if b"\0" in outside:
        return _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return outside


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def has_lone_surrogate(body: bytes) -> bool:
    """Whether ``body`` decodes to a string no database can store (a lone ``\\udXXX``)."""
    if not _SURROGATE_ESCAPE.search(body):
        return False  # the common case: no surrogate escape at all
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    except ValueError:
        return False  # not JSON: the endpoint's own parser will say so
    return False


class JsonGuard:
    """400 for a JSON body nested deeper than ``limit`` or holding unpaired surrogates.

    Both would otherwise reach the parser or the database driver and fail there as a 500.
    Runs inside the body-size limit, so the body it holds in memory is already bounded.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if len(body) > OFFLOAD_BYTES:  # ~40 ms a MiB: keep the event loop serving meanwhile
            detail = await anyio.to_thread.run_sync(self.check, body)
        else:
            detail = self.check(body)
        if detail:
            await problem(400, "Bad request", detail)(scope, receive, send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)

    def check(self, body: bytes) -> str | None:
        """Why ``body`` is refused, or None."""
        if json_depth_exceeds(body, self.limit):
            return f"JSON nested deeper than {self.limit} levels"
        if has_lone_surrogate(body):
            return "JSON string holds an unpaired UTF-16 surrogate (\\udXXX)"
        return None


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per key (an API token's id): ``rate`` writes a second, ``burst`` at once.

    The buckets live in this process only: with N workers a token gets up to N times the
    budget. That is enough to stop a runaway script; it is not an accounting system.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, kind: str = "write") -> None:
        """Spend one token of ``key``'s bucket, or raise 429 saying when to come back."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return
            wait = math.ceil((1 - bucket.tokens) / self.rate)
        metrics.rate_limited(kind)
        raise RateLimitedError(
            f"too many {kind}s for this token; retry in {wait} s", retry_after=wait
        )
