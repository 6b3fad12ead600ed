"""How ``--help`` reads: prose the terminal wraps, and flags without a type.

Typer 0.29 keeps the single line breaks of a docstring's later paragraphs in rich help, so
text wrapped at 95 columns in the source broke mid-sentence again at 80; and it shows
``<bool>`` beside every flag (``--help <bool>``), which takes no value at all, and
``<list[str]>`` beside a repeatable option, which takes one value each time it is given.
"""

from __future__ import annotations

import inspect
from typing import Any

from typer.core import TyperOption

_option_type = TyperOption.display_type_rich


def flag_type(option: TyperOption, ctx: Any) -> str | None:
    """An option's type for the help table: nothing for a flag, which takes no value; the
    type of one value for a repeatable option (its help says it repeats)."""
    if option.is_flag:
        return None
    shown = _option_type(option, ctx)
    if option.multiple and shown and shown.startswith("<list[") and shown.endswith("]>"):
        return f"<{shown[len('<list[') : -len(']>')]}>"
    return shown


def unwrap(text: str) -> str:
    """Each paragraph of a docstring on one line; the terminal wraps it to its width."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(p.split("\n")) for p in paragraphs)


def tidy(command: Any) -> Any:
    """A click command (and its sub-commands) with help that reads as described above."""
    TyperOption.display_type_rich = flag_type  # type: ignore[method-assign,assignment]
    if command.help:
        command.help = unwrap(command.help)
    for sub in getattr(command, "commands", {}).values():
        tidy(sub)
    return command
