"""Per-request bookkeeping: request id, access log line, HTTP metrics, and the headers every
answer carries.

A pure ASGI middleware (no response buffering), so event streams pass through untouched;
their log line is written when the stream ends.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vtoc.server import listen, metrics
from vtoc.server.hardening import RawHeaders, security_headers
from vtoc.server.logs import ACCESS
from vtoc.server.methods import methods_of

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = REQUEST_ID_HEADER.lower().encode()
_CLOSE = (b"connection", b"close")
# Accept a caller's id only if it is short and plain: it goes into logs verbatim.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SAFE_ID.fullmatch(candidate):
                return str(candidate)
    return next(_fresh_ids)


def _ids() -> Iterator[str]:
    """Request ids unique across processes and restarts: a random prefix per process and a
    counter (32 hex digits, as a uuid4; ``uuid4()`` itself cost ~6 % of a show request)."""
    prefix = uuid.uuid4().hex[:16]
    return (f"{prefix}{n:016x}" for n in itertools.count(1))


_fresh_ids = _ids()


def _renew_ids() -> None:
    global _fresh_ids
    _fresh_ids = _ids()


os.register_at_fork(after_in_child=_renew_ids)  # a forked worker must not repeat its parent's


def route_of(scope: Scope) -> str:
    """The path's route template (``/api/v1/operations/{ref}``), as ``methods`` decides which
    route a path is: FastAPI's own ``scope["route"]`` only knows a route's path inside its
    router, not the prefixes it was included under."""
    methods = methods_of(scope, scope["app"].state.paths)
    return methods.template if methods else metrics.UNMATCHED


def actor_of(scope: Scope) -> str | None:
    principal: Any = scope.get("state", {}).get("principal")
    return getattr(principal, "name", None)


class Front:
    """The first layer every request passes: its id, its access-log line and metrics, and on
    its answer the request id, the security headers (``hardening.security_headers``) and
    ``Connection: close`` when this worker is crowded (``listen.shed_now``). One layer, one
    send wrapper and one pass over the headers for all of them: each layer costs a coroutine
    and a wrapper call per message, on every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = rid
        extra = security_headers(scope["path"])
        started = time.perf_counter()
        status = 500

        async def send_stamped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = stamped(message.get("headers", ()), rid, extra)
            await send(message)

        try:
            await self.app(scope, receive, send_stamped)
        finally:
            log_request(scope, rid, status, time.perf_counter() - started)


def stamped(headers: Any, rid: str, extra: RawHeaders) -> RawHeaders:
    """``headers`` with the request id (replacing any), ``extra`` where the answer did not set
    them, and ``Connection: close`` when this worker sheds one."""
    present = {name for name, _ in headers}
    out = [pair for pair in headers if pair[0] != _REQUEST_ID]
    out += [pair for pair in extra if pair[0] not in present]
    out.append((_REQUEST_ID, rid.encode("latin-1")))
    if listen.shed_now():
        out.append(_CLOSE)
    return out


def log_request(scope: Scope, rid: str, status: int, seconds: float) -> None:
    """The request's metrics and access-log line (a record built without ``findCaller``'s walk
    of the stack: its place in the code says nothing about the request)."""
    method: str = scope["method"]
    route = route_of(scope)
    metrics.observe_request(method, route, status, seconds)
    if not ACCESS.isEnabledFor(logging.INFO):
        return
    extra = {
        "request_id": rid,
        "actor": actor_of(scope),
        "method": method,
        "route": route,
        "path": scope["path"],  # never the query string: it may carry secrets
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "client": (scope.get("client") or ("", 0))[0],
    }
    record = ACCESS.makeRecord(
        ACCESS.name,
        logging.INFO,
        __file__,
        0,
        "%s %s %s",
        (method, route, status),
        None,
        func="log_request",
        extra=extra,
    )
    ACCESS.handle(record)
