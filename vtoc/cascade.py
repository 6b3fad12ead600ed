"""What a delete removes besides its row, asked the same way by the CLI and the TUI.

The server deletes an operation's missions with it; nothing else cascades. The question
names the row as the operator knows it (an operation by its code) and what goes along:
"Delete operation OP-0004 'Silver Bridge' and its 7 missions?".
"""

from __future__ import annotations

from typing import Any


def label_of(row: Any) -> str:
    """A row by its code (an operation's) and its name or title, quoted (names hold
    spaces); by its id when it has neither."""
    code = getattr(row, "code", None)
    name = getattr(row, "name", None) or getattr(row, "title", None)
    return " ".join(part for part in (code, repr(name) if name else None) if part) or str(row.id)


def delete_question(noun: str, label: str, missions: int = 0) -> str:
    along = (
        ""
        if not missions
        else " and its mission"
        if missions == 1
        else f" and its {missions} missions"
    )
    return f"Delete {noun} {label}{along}?"
