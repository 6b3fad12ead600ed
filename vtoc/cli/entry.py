"""The ``vtoc`` console script. ``vtoc --help`` prints the pre-rendered root help without
importing Typer, whose import alone costs about three bare interpreter start-ups; every other
invocation runs the Typer app in vtoc.cli.main."""

from __future__ import annotations

import os
import sys


def columns() -> int:
    """The terminal width as shutil.get_terminal_size (which click uses) sees it, without
    shutil's import cost: COLUMNS, else stdout's terminal, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def run() -> None:
    # Click wraps help at min(columns, 80) - 2: on narrower terminals let it render.
    if sys.argv[1:] == ["--help"] and columns() >= 80:
        from vtoc.cli.root_help import TEXT

        sys.stdout.write(TEXT)
        return
    # httpx imports its own command line (click, rich.syntax, pygments) whenever those are
    # installed, as they are here; we never run it, and it was half of httpx's import time.
    # A None entry makes that import fail, and httpx falls back to a stub.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    import typer

    from vtoc.cli.main import app
    from vtoc.terminal import printable

    # Not standalone: Typer would draw a usage error as a five-line box. Ours is one line,
    # like every other error of the CLI, so that a script's log stays greppable.
    try:
        code = app(standalone_mode=False)
    except typer.Abort:  # a question answered no, ctrl+c at it, or no terminal to ask on
        why = "not confirmed" if sys.stdin.isatty() else "no answer (stdin is not a terminal)"
        sys.stderr.write(f"error: nothing changed: {why}; --yes confirms without asking\n")
        sys.exit(1)
    except typer.TyperException as exc:  # click's usage errors, as Typer vendors them
        message = getattr(exc, "format_message", None)
        if message is None:
            raise
        if type(exc).__name__ != "NoArgsIsHelpError":  # that one printed the help already
            in_words(exc)
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            sys.stderr.write(f"error: {printable(message())}{hint}\n")
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)


def in_words(exc: Exception) -> None:
    """A flag's value that Typer refused through pydantic ("Value error, 'donee' is not one
    of …", "Input should be a valid integer, …") in the words the server uses for the same
    mistake (``vtoc.validation``)."""
    cause = exc.__cause__
    if type(cause).__name__ == "ValidationError" and hasattr(exc, "message"):
        from vtoc.validation import message

        exc.message = "; ".join(message(error) for error in cause.errors())  # type: ignore[union-attr]
