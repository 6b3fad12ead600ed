"""One-line errors and the exit codes scripts rely on: 0 ok, 1 failure, 2 usage, 4 auth."""

from __future__ import annotations

from typing import NoReturn

import typer

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_AUTH = 4


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
