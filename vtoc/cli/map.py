"""``vtoc map``: the TUI's map on its own, watching a past period again."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.params import parse_time
from vtoc.cli.tui import ContextOption, check_server

app = typer.Typer(help="The map in the terminal: watch a past period again.", no_args_is_help=True)


@app.command()
def replay(
    since: Annotated[
        str, typer.Option(help="From: a span back (2h, 30m, 1d) or an ISO time.")
    ] = "2h",
    until: Annotated[str | None, typer.Option(help="To: as --since. [now]")] = None,
    speed: Annotated[
        float, typer.Option(min=0.1, max=100_000, help="Times faster than it happened.")
    ] = 60.0,
    context: ContextOption = None,
) -> None:
    """The TUI map fed from the assets' tracks instead of live events: every asset moves
    and leaves its trail as it did, ``speed`` times faster. Press ? for keys.

    Example: vtoc map replay --since 2h --speed 60
    """
    from vtoc.cli import session
    from vtoc.client import AsyncVtocClient
    from vtoc.tui.app import VtocApp
    from vtoc.tui.replay import Replay
    from vtoc.when import now_utc

    start = parse_time(since, "--since")
    end = parse_time(until, "--until") or now_utc()
    assert start is not None  # --since has a default
    if start >= end:
        raise typer.BadParameter("must be before --until (default: now)", param_hint="--since")
    if context:
        session.current.context = context
    ctx = session.context()
    check_server(ctx.api_url, ctx.token)
    period = Replay(start, end, speed)
    VtocApp(AsyncVtocClient(ctx.api_url, ctx.token), close_client=True, replay=period).run()
