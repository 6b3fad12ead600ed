"""Refuse request bodies over a size limit before they are read into memory."""

from __future__ import annotations

import contextlib

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vtoc.server.problems import problem

#: the routes that take batches (alerts, fixes) get the larger limit
BATCH_PATHS = ("/api/v1/ingest", "/api/v1/positions")


class BodySizeLimit:
    """413 for a body over ``limit`` bytes (``ingest_limit`` under ``BATCH_PATHS``)."""

    def __init__(self, app: ASGIApp, *, limit: int, ingest_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.ingest_limit = ingest_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.ingest_limit if path.startswith(BATCH_PATHS) else self.limit
        declared, chunked = body_headers(scope)
        if declared is None and not chunked:
            # no body at all (RFC 9112 §6.3): nothing to count, and no wrappers to pay for
            with contextlib.suppress(ClientDisconnect):
                await self.app(scope, receive, send)
            return
        # more digits than the limit has is over it, and spares int() a 4,300-digit header
        if (
            declared is not None
            and declared.isdigit()
            and (len(declared) > len(str(limit)) or int(declared) > limit)
        ):
            await self.refuse(scope, receive, send, limit)
            return
        seen = 0
        refused = False

        async def limited_receive() -> Message:
            # Past the limit, answer 413 ourselves and tell the app the client went away,
            # so nothing downstream turns this into a different error.
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit and not refused:
                    refused = True
                    await self.refuse(scope, receive, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        with contextlib.suppress(ClientDisconnect):
            await self.app(scope, limited_receive, guarded_send)

    @staticmethod
    async def refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(413, "Payload too large", f"request bodies are limited to {limit} bytes")
        await response(scope, receive, send)


def body_headers(scope: Scope) -> tuple[bytes | None, bool]:
    """The request's ``Content-Length`` and whether it has a ``Transfer-Encoding``."""
    declared, chunked = None, False
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = value
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked
