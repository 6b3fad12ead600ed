"""Entry point of ``vtoc``. Heavy modules are imported inside the commands that need them,
so ``vtoc --help`` stays fast."""

from __future__ import annotations

from typing import Annotated

import typer

import vtoc
from vtoc.cli import demo, ingest, server, up

app = typer.Typer(
    name="vtoc",
    help="vTOC: a terminal-first tactical operations center.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
)
app.add_typer(server.app, name="server", rich_help_panel="Administration")
app.add_typer(demo.app, name="demo", rich_help_panel="Administration")
app.add_typer(ingest.app, name="ingest", rich_help_panel="Integrations")
app.command(rich_help_panel="Start here")(up.up)


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
) -> None:
    """vTOC: operations, missions, assets and intelligence from the terminal."""


def run() -> None:
    app()
