"""The defences inside CORS as one layer: body size limit, JSON guard, request timeout and
the path's methods.

Four layers cost four coroutines on every request. Most requests (every read, every probe)
have no body (neither ``Content-Length`` nor ``Transfer-Encoding``, RFC 9112 §6.3): the size
limit and the JSON guard have nothing to do for them, so they go straight to the timeout
and the path's methods. A request with a body takes all four, in the same order as before.
"""

from __future__ import annotations

import contextlib

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from vtoc.server.hardening import JsonGuard, RequestTimeout
from vtoc.server.limits import BodySizeLimit, body_headers
from vtoc.server.methods import PathMethods, RouteByPath


class Guards:
    """``BodySizeLimit``, then ``JsonGuard``, then ``RequestTimeout``, then ``RouteByPath``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        paths: PathMethods,
        timeout_seconds: float,
        json_depth: int,
        max_body_bytes: int,
        batch_max_body_bytes: int,
    ) -> None:
        self.bodiless = RequestTimeout(RouteByPath(app, paths=paths), seconds=timeout_seconds)
        self.bodied = BodySizeLimit(
            JsonGuard(self.bodiless, limit=json_depth),
            limit=max_body_bytes,
            ingest_limit=batch_max_body_bytes,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and body_headers(scope) == (None, False):
            with contextlib.suppress(ClientDisconnect):  # as BodySizeLimit: the client left
                await self.bodiless(scope, receive, send)
            return
        await self.bodied(scope, receive, send)
