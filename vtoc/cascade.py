"""The question before a delete, asked the same way by the CLI and the TUI (the SPA words it
alike): what goes with the row and what stays without it, as the server counts them
(``GET …/delete-impact``): "Delete operation OP-0004 'Silver Bridge' and its 7 missions?".
"""

from __future__ import annotations

from typing import Any

from vtoc.schemas import DeleteImpact

#: the server's entity names, as an operator calls them (singular, plural)
NOUNS = {
    "intel": ("report", "reports"),
    "correlation": ("correlation cluster", "correlation clusters"),
    "position_fix": ("position fix", "position fixes"),
}


def label_of(noun: str, row: Any) -> str:
    """A row by its code (an operation's) and its name or title, quoted (names hold
    spaces); by its id when it has neither."""
    code = getattr(row, "code", None)
    name = getattr(row, "name", None) or getattr(row, "title", None)
    named = " ".join(part for part in (code, repr(name) if name else None) if part)
    return f"{noun} {named or row.id}"


def counted(entity: str, n: int) -> str:
    one, many = NOUNS.get(entity, (entity, f"{entity}s"))
    return f"{n} {one if n == 1 else many}"


def joined(counts: dict[str, int]) -> str:
    parts = [counted(entity, n) for entity, n in counts.items() if n]
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)


def delete_question(label: str, impact: DeleteImpact) -> str:
    along = joined(impact.deletes)
    question = f"Delete {label} and its {along}?" if along else f"Delete {label}?"
    staying = sum(impact.unlinks.values())
    if staying:
        question += (
            f" ({joined(impact.unlinks)} {'stays' if staying == 1 else 'stay'}, without it.)"
        )
    return question
