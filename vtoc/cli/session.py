"""Which server and token a command talks to: ``--context``, then VTOC_* variables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vtoc.cli.errors import EXIT_USAGE, fail
from vtoc.config import Context, read_config_file, resolve_context

if TYPE_CHECKING:
    from vtoc.client import VtocClient


@dataclass
class Session:
    """Global options, set once by the root callback."""

    context: str | None = None


current = Session()


def context() -> Context:
    if current.context and current.context not in read_config_file().get("contexts", {}):
        fail(f"no context named {current.context!r} (see `vtoc context list`)", EXIT_USAGE)
    return resolve_context(current.context)


def client() -> VtocClient:
    """A client on the chosen context; use it as a context manager so it is closed."""
    import httpx

    from vtoc.client import RetryPolicy, VtocClient

    ctx = context()
    # Loading the CA bundle costs a noticeable part of a short command's run; plain-HTTP
    # servers (the local one) never need it.
    http = httpx.Client(base_url=ctx.api_url, timeout=30.0, verify=ctx.api_url.startswith("https:"))
    return VtocClient(ctx.api_url, ctx.token, http=http, retry=RetryPolicy(attempts=3))
