"""``vtoc up``: the one-command local vTOC on the embedded SQLite database."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from typing import Annotated

import typer

from vtoc.cli.local import LOCAL_CONTEXT
from vtoc.cli.params import port_option


def up(
    port: Annotated[
        int | None, port_option("Port for the local server (default: a free one).")
    ] = None,
    seed_demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Seed the demo scenario on first run.")
    ] = True,
    tui: Annotated[
        bool, typer.Option("--tui/--no-tui", help="Open the TUI, or run the services only.")
    ] = True,
    readonly: Annotated[bool, typer.Option("--readonly", help="Open the TUI read-only.")] = False,
    web: Annotated[
        bool, typer.Option("--web", help="Also serve the web UI behind Traefik at one URL.")
    ] = False,
    web_port: Annotated[int, port_option("Port of the web UI (with --web).")] = 8080,
    ssh: Annotated[
        bool, typer.Option("--ssh", help="Also serve the TUI and CLI over SSH to enrolled keys.")
    ] = False,
    ssh_port: Annotated[int, port_option("Port of the SSH server (with --ssh).")] = 2222,
) -> None:
    """Start vTOC locally: migrate, seed demo data once, mint an admin token, serve, open the TUI.

    The token is saved as the "local" context (mode 0600), so other vtoc commands in
    another terminal use it. Everything started here stops when the TUI exits (or, with
    --no-tui, on ctrl+c or SIGTERM).

    Example: vtoc up --no-tui --port 8000 --ssh
    """
    from vtoc.children import free_port
    from vtoc.cli.errors import fail
    from vtoc.cli.local import ensure_local_stack
    from vtoc.cli.services import Services
    from vtoc.config import data_dir

    port = port or free_port()
    stack = ensure_local_stack(port=port, seed_demo=seed_demo)
    # The children log to a file, never to our stdout/stderr: those may be a pipe nobody
    # drains (`vtoc up --no-tui | head`), and a child writing into a full pipe blocks.
    log = data_dir() / "up.log"
    with ExitStack() as running:
        services = running.enter_context(
            Services(port=port, database_url=stack.database_url, log=log)
        )
        try:
            services.start_server()
        except RuntimeError as exc:
            fail(f"{exc} (see {log})")
        services.start_agents(stack.token)
        if ssh:
            try:
                services.start_ssh(stack.token, ssh_port)
            except RuntimeError as exc:
                fail(f"{exc} (see {log})")
            announce(f"vTOC over SSH on port {ssh_port}  (enrol keys: vtoc ssh keys add)")
        web_url = None
        if web:
            from vtoc.web.stack import WebStackError, start_web_stack

            try:
                site = running.enter_context(start_web_stack(stack.api_url, port=web_port))
            except WebStackError as exc:
                fail(str(exc))
            web_url = site.url
            announce(f"vTOC in the browser: {site.url}  (sign in with the token)")
        if tui:
            from vtoc.cli.tui import open_tui

            open_tui(stack.api_url, stack.token, readonly=readonly, started=True, web_url=web_url)
            return
        announce(
            f"vTOC API on {stack.api_url}  (docs: {stack.api_url}/api/docs)",
            f"admin token (context {LOCAL_CONTEXT!r}): {stack.token}",
            f"logs: {log}",
            "press ctrl+c to stop",
        )
        services.wait()


def announce(*lines: str) -> None:
    """The notice on stderr, best effort: the services are what the user asked for, so a
    reader that went away (`vtoc up --no-tui 2>&1 | head -1`) does not stop them; the rest
    of our output then goes nowhere instead of failing."""
    try:
        for line in lines:
            typer.echo(line, err=True)
    except BrokenPipeError:
        quiet = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(quiet, stream.fileno())
        os.close(quiet)
