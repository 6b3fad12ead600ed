"""Per-request bookkeeping: request id, access log line, HTTP metrics.

A pure ASGI middleware (no response buffering), so event streams pass through untouched;
their log line is written when the stream ends.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vtoc.server import metrics
from vtoc.server.logs import ACCESS
from vtoc.server.methods import PathMethods, route_path

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and plain: it goes into logs verbatim.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SAFE_ID.fullmatch(candidate):
                return str(candidate)
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The path's route template (``/api/v1/operations/{ref}``), as ``methods`` decides which
    route a path is: FastAPI's own ``scope["route"]`` only knows a route's path inside its
    router, not the prefixes it was included under."""
    paths: PathMethods = scope["app"].state.paths
    methods = paths.of(route_path(scope))
    return methods.template if methods else metrics.UNMATCHED


def actor_of(scope: Scope) -> str | None:
    principal: Any = scope.get("state", {}).get("principal")
    return getattr(principal, "name", None)


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope)
            metrics.observe_request(scope["method"], route, status, seconds)
            ACCESS.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "request_id": rid,
                    "actor": actor_of(scope),
                    "method": scope["method"],
                    "route": route,
                    "path": scope["path"],  # never the query string: it may carry secrets
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
