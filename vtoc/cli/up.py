"""``vtoc up``: the one-command local vTOC on the embedded SQLite database."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.local import LOCAL_CONTEXT


def up(
    port: Annotated[int, typer.Option(help="Port for the local server.")] = 8000,
    seed_demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Seed the demo scenario on first run.")
    ] = True,
) -> None:
    """Start vTOC locally: migrate, seed demo data once, mint an admin token, serve.

    The token is saved as the "local" context (mode 0600), so other vtoc commands in
    another terminal use it without further setup.

    Example: vtoc up --port 8000
    """
    import uvicorn

    from vtoc.cli.local import ensure_local_stack

    stack = ensure_local_stack(port=port, seed_demo=seed_demo)
    typer.echo(f"vTOC API on {stack.api_url}  (docs: {stack.api_url}/api/docs)", err=True)
    typer.echo(f"admin token (context {LOCAL_CONTEXT!r}): {stack.token}", err=True)
    uvicorn.run("vtoc.server.main:app", host="127.0.0.1", port=port, log_level="warning")
