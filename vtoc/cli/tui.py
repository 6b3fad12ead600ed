"""``vtoc tui``: the operator's terminal UI on a server (a stored context or VTOC_API_URL)."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.errors import EXIT_AUTH, fail

ContextOption = Annotated[
    str | None, typer.Option("--context", help="Stored context to use (default: current).")
]
ReadonlyOption = Annotated[
    bool, typer.Option("--readonly", help="Hide every action that changes data.")
]


def check_server(api_url: str, token: str | None) -> None:
    """Fail with one line before the screen switches over, rather than inside it."""
    from vtoc.client import AuthError, VtocClient, VtocError

    with VtocClient(api_url, token) as client:
        try:
            client.whoami()
        except AuthError:
            fail(f"the server at {api_url} did not accept the token (vtoc context)", EXIT_AUTH)
        except VtocError as exc:
            fail(exc.message)


def open_tui(
    api_url: str,
    token: str | None,
    *,
    readonly: bool,
    started: bool = False,
    web_url: str | None = None,
) -> None:
    """``started``: this process started the server (``vtoc up``), so the TUI shows the token
    and the addresses (help, palette) that the operator would otherwise see only after it."""
    from vtoc.client import AsyncVtocClient
    from vtoc.tui.access import Access
    from vtoc.tui.app import VtocApp

    access = Access(api_url, token, web_url) if started and token else None
    app = VtocApp(
        AsyncVtocClient(api_url, token), readonly=readonly, close_client=True, access=access
    )
    app.run()


def tui(context: ContextOption = None, readonly: ReadonlyOption = False) -> None:
    """Open the terminal UI: dashboard, lists, map, live events. Press ? for keys.

    Example: vtoc tui --context prod --readonly
    """
    from vtoc.cli import session

    if context:
        session.current.context = context
    ctx = session.context()
    check_server(ctx.api_url, ctx.token)
    open_tui(ctx.api_url, ctx.token, readonly=readonly)
