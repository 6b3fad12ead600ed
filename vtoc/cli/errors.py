"""One-line errors and the exit codes scripts rely on: 0 ok, 1 failure, 2 usage or invalid
input (whether the CLI or the server refused it), 3 some input rejected, 4 auth.

Every command runs inside ``ReportingGroup``, the one place that turns a client error into
a message on stderr and an exit code, so no command prints a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from vtoc.terminal import printable

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_AUTH = 4


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    typer.echo(f"error: {printable(message)}", err=True)  # messages may quote the input
    raise typer.Exit(code)


@contextmanager
def until_stopped() -> Iterator[None]:
    """How a long-running feed (``vtoc feed``, ``vtoc ingest``) ends: the server's refusal
    as one line (a token it does not accept: exit 4), or ctrl+c as exit 130, the shell's
    code for SIGINT, instead of click's "Aborted!"."""
    from vtoc.client import AuthError, VtocError

    try:
        yield
    except AuthError as exc:
        fail(exc.message, EXIT_AUTH)
    except VtocError as exc:
        fail(exc.message)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def describe(exc: Exception) -> tuple[str, int]:
    """The one-line message and exit code for an exception a command let through."""
    from pydantic import ValidationError as PydanticError

    from vtoc.client import AuthError, PreconditionFailed, ValidationFailed, VtocError

    if isinstance(exc, AuthError):
        hint = "set VTOC_TOKEN or add a context with `vtoc context add NAME --url URL --token T`"
        return f"not authenticated: {exc.message} ({hint})", EXIT_AUTH
    if isinstance(exc, ValidationFailed):
        named = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.message
        return f"invalid input: {named}", EXIT_USAGE
    if isinstance(exc, PreconditionFailed):
        return f"{exc.message} (show it again and retry with its current version)", EXIT_FAILURE
    if isinstance(exc, VtocError):
        return exc.message, EXIT_FAILURE
    if isinstance(exc, PydanticError):
        from vtoc.validation import reason

        named = "; ".join(map(reason, exc.errors()))
        return f"invalid input: {named}", EXIT_USAGE
    first = str(exc).strip().split("\n", 1)[0]
    return f"unexpected {type(exc).__name__}: {first} (VTOC_DEBUG=1 shows the traceback)", 1


class ReportingGroup(TyperGroup):
    """The root command group: client errors end as one line on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:  # click.Context, vendored by typer
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:
            # The reader went away (`vtoc events tail -F | head`): stop quietly, as cat does.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(EXIT_FAILURE) from None
        except Exception as exc:
            if os.environ.get("VTOC_DEBUG"):
                raise
            message, code = describe(exc)
            fail(message, code)
