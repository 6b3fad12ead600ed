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
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vtoc.server import listen, logs, metrics
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
    if not logs.write_access(f"{method} {route} {status}", extra):
        ACCESS.handle(access_record((method, route, status), extra))


_MESSAGE = "%s %s %s"
#: the fields ``LogRecord.__init__`` fills, in its order (Python 3.11); a record with others
#: (3.12's ``taskName``) is left to ``makeRecord``
_FIELDS = (
    "name msg args levelname levelno pathname filename module exc_info exc_text stack_info "
    "lineno funcName created msecs relativeCreated thread threadName processName process"
).split()
#: those that change from one record to the next
_PER_RECORD = frozenset({"args", "created", "msecs", "relativeCreated", "thread", "threadName"})
#: an access record's other fields, the same on every line of this process (None: not made
#: yet; empty: records here are ``makeRecord``'s)
_fixed: dict[str, Any] | None = None
_thread_names: dict[int, str] = {}


def access_record(args: tuple[Any, ...], extra: dict[str, Any]) -> logging.LogRecord:
    """The record ``ACCESS.makeRecord`` makes, the same fields in the same order, built on
    those it fills alike on every line of a process (file, function, level, process): its
    ``LogRecord.__init__`` was a quarter of a bare request's access line. A record factory
    someone installed (``logging.setLogRecordFactory``), or ``logging``'s switches for
    thread and process fields turned off, and ``makeRecord`` makes every record again."""
    fixed = _fixed if _fixed is not None else _template()
    if (
        not fixed
        or logging.getLogRecordFactory() is not logging.LogRecord
        or not (logging.logThreads and logging.logProcesses and logging.logMultiprocessing)
    ):
        return _made(args, extra)
    record = logging.LogRecord.__new__(logging.LogRecord)
    fields = record.__dict__
    fields.update(fixed)
    now = time.time()
    ident = threading.get_ident()
    thread = _thread_names.get(ident)
    if thread is None:
        thread = _thread_names[ident] = threading.current_thread().name
    fields["args"] = args
    fields["created"] = now
    fields["msecs"] = int((now - int(now)) * 1000) + 0.0  # as LogRecord (gh-89047)
    fields["relativeCreated"] = (now - logging._startTime) * 1000  # type: ignore[attr-defined]
    fields["thread"] = ident
    fields["threadName"] = thread
    fields.update(extra)
    return record


def _made(args: tuple[Any, ...], extra: dict[str, Any] | None) -> logging.LogRecord:
    return ACCESS.makeRecord(
        ACCESS.name, logging.INFO, __file__, 0, _MESSAGE, args, None, "log_request", extra
    )


def _template() -> dict[str, Any]:
    global _fixed
    sample = _made(("GET", "/", 200), None).__dict__
    known = list(sample) == _FIELDS
    _fixed = {k: (None if k in _PER_RECORD else v) for k, v in sample.items()} if known else {}
    return _fixed


def _renew_template() -> None:
    """A forked process has another pid (and its threads other names)."""
    global _fixed
    _fixed = None
    _thread_names.clear()


os.register_at_fork(after_in_child=_renew_template)
