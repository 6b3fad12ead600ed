"""The one HTTP client of vTOC: the CLI, TUI, agents and tests all talk to the server here.

- ``api``: every call, declared once (``Calls``); both clients inherit it.
- ``rows``: the calls on a resource's rows, typed by the resource's query model.
- ``calls``: what a call is and how ``@request`` sends it on either client.
- ``sync`` / ``aio``: ``VtocClient`` and ``AsyncVtocClient``, which only send.
- ``transport``, ``stream``, ``errors``: retries and headers, the SSE stream, exceptions.
"""

from vtoc.client.aio import AsyncVtocClient
from vtoc.client.api import Calls
from vtoc.client.calls import Call
from vtoc.client.errors import (
    AuthError,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    Unavailable,
    ValidationFailed,
    VtocError,
)
from vtoc.client.rows import AsyncRows, Endpoint, SyncRows
from vtoc.client.sync import VtocClient
from vtoc.client.transport import REQUEST_ID, RetryPolicy

__all__ = [
    "REQUEST_ID",
    "AsyncRows",
    "AsyncVtocClient",
    "AuthError",
    "Call",
    "Calls",
    "Conflict",
    "Endpoint",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "RetryPolicy",
    "SyncRows",
    "Unavailable",
    "ValidationFailed",
    "VtocClient",
    "VtocError",
]
