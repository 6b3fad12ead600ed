"""Entry point of ``vtoc``. Heavy modules are imported inside the commands that need them,
so ``vtoc --help`` stays fast."""

from __future__ import annotations

from typing import Annotated

import typer

import vtoc
from vtoc.cli import (
    agents,
    assets,
    context,
    demo,
    events,
    ingest,
    intel,
    missions,
    ops,
    server,
    sitrep,
    tasks,
    tokens,
    tui,
    up,
)
from vtoc.cli.errors import ReportingGroup
from vtoc.cli.session import current

app = typer.Typer(
    name="vtoc",
    help="vTOC: a terminal-first tactical operations center.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    cls=ReportingGroup,
)
app.add_typer(server.app, name="server", rich_help_panel="Administration")
app.add_typer(demo.app, name="demo", rich_help_panel="Administration")
app.add_typer(ingest.app, name="ingest", rich_help_panel="Integrations")
app.command(rich_help_panel="Start here")(up.up)
app.command(rich_help_panel="Start here")(tui.tui)
for name, group in [
    ("ops", ops),
    ("missions", missions),
    ("assets", assets),
    ("intel", intel),
    ("tasks", tasks),
    ("agents", agents),
    ("events", events),
]:
    app.add_typer(group.app, name=name, rich_help_panel="Operations")
app.command(rich_help_panel="Operations")(sitrep.sitrep)
app.add_typer(tokens.app, name="tokens", rich_help_panel="Access")
app.add_typer(context.app, name="context", rich_help_panel="Access")
app.command(rich_help_panel="Access")(context.whoami)


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"vtoc {vtoc.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="Print the version."),
    ] = False,
    context_name: Annotated[
        str | None,
        typer.Option("--context", help="Use this context instead of the current one."),
    ] = None,
) -> None:
    """vTOC: operations, missions, assets and intelligence from the terminal.

    VTOC_API_URL and VTOC_TOKEN override the context. Example: vtoc ops list --status active
    """
    current.context = context_name


def run() -> None:
    app()
