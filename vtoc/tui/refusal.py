"""A client call the server refused, in the TUI: the step it was part of stops there and a
notification says why, so the screen stays as it was and the operator can try again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from textual.widget import Widget

from vtoc.client import VtocError


@contextmanager
def refusal_notified(widget: Widget, title: str = "") -> Iterator[None]:
    """Run the block; a ``VtocError`` in it ends the block with an error notification (the
    server's message, under ``title``) instead of reaching the worker."""
    try:
        yield
    except VtocError as exc:
        widget.notify(exc.message, title=title, severity="error")
