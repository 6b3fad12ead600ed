"""Pydantic's refusals in words for people, the same for every front end.

The server puts these in its 422 answers (so the TUI and the SPA show them under the field),
and the CLI uses them for what it checks itself: "must be one of pending, in_progress, …
(not 'done')" rather than "Value error, …" or "Input should be …".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

EXAMPLE_TIME = "2026-12-08T12:00:00Z"


def _one_of(ctx: Mapping[str, Any], given: Any) -> str:
    expected = str(ctx.get("expected", "")).replace("'", "")
    return f"must be one of {expected} (not {given!r})"


def _too_short(ctx: Mapping[str, Any], given: Any) -> str:
    least = ctx.get("min_length", 1)
    if isinstance(given, str):
        return "must not be empty or only spaces" if least == 1 else f"needs {least}+ characters"
    return "must not be empty" if least == 1 else f"needs at least {least} items"


def _too_long(ctx: Mapping[str, Any], given: Any) -> str:
    unit = "characters" if isinstance(given, str) else "items"
    return f"must be at most {ctx.get('max_length')} {unit}"


def _not_a_time(ctx: Mapping[str, Any], given: Any) -> str:
    return f"{given!r} is not a time like {EXAMPLE_TIME}"


#: error type -> the message, from the error's context and the value given
WORDS: dict[str, Callable[[Mapping[str, Any], Any], str]] = {
    "missing": lambda ctx, given: "is required",
    "extra_forbidden": lambda ctx, given: "unknown field",
    "enum": _one_of,
    "literal_error": _one_of,
    "string_too_short": _too_short,
    "too_short": _too_short,
    "string_too_long": _too_long,
    "too_long": _too_long,
    "string_pattern_mismatch": lambda ctx, given: f"{given!r} does not match {ctx['pattern']}",
    "greater_than": lambda ctx, given: f"must be more than {ctx['gt']}",
    "greater_than_equal": lambda ctx, given: f"must be {ctx['ge']} or more",
    "less_than": lambda ctx, given: f"must be less than {ctx['lt']}",
    "less_than_equal": lambda ctx, given: f"must be {ctx['le']} or less",
    "int_parsing": lambda ctx, given: f"{given!r} is not a whole number",
    "int_from_float": lambda ctx, given: f"{given!r} is not a whole number",
    "int_type": lambda ctx, given: "must be a whole number",
    "float_parsing": lambda ctx, given: f"{given!r} is not a number",
    "float_type": lambda ctx, given: "must be a number",
    "bool_parsing": lambda ctx, given: f"{given!r} is not true or false",
    "bool_type": lambda ctx, given: "must be true or false",
    "string_type": lambda ctx, given: "must be text",
    "list_type": lambda ctx, given: "must be a list",
    "dict_type": lambda ctx, given: "must be an object",
    "model_type": lambda ctx, given: "must be an object",
    "timezone_aware": lambda ctx, given: f"needs a time zone, e.g. {EXAMPLE_TIME}",
    "datetime_parsing": _not_a_time,
    "datetime_from_date_parsing": _not_a_time,
    "datetime_type": lambda ctx, given: f"must be a time like {EXAMPLE_TIME}",
}


def message(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as a short phrase that
    reads after the field's name: "status: must be one of …"."""
    ctx = error.get("ctx") or {}
    words = WORDS.get(str(error.get("type")))
    if words is not None:
        try:
            return words(ctx, error.get("input"))
        except KeyError:  # a context without the value the words name
            pass
    return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "status")`` → ``status``; the part of the request is implied."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts)


def reason(error: Mapping[str, Any]) -> str:
    """One error as "field: message", or the message alone for the whole input."""
    field = field_name(tuple(error.get("loc") or ()))
    return f"{field}: {message(error)}" if field else message(error)


def limits(model: Any, name: str) -> tuple[Any, Any]:
    """A numeric field's least and greatest value as the schema sets them (None: no limit);
    an exclusive bound on whole numbers reads as the inclusive one next to it."""
    low = high = None
    for rule in model.model_fields[name].metadata:
        if (least := getattr(rule, "ge", None)) is not None:
            low = least
        if isinstance(above := getattr(rule, "gt", None), int):
            low = above + 1
        if (most := getattr(rule, "le", None)) is not None:
            high = most
        if isinstance(below := getattr(rule, "lt", None), int):
            high = below - 1
    return low, high


def bounds(model: Any, name: str) -> str:
    """A numeric field's limits as the schema sets them ("1 to 2147483647", "at least 0"),
    for the help texts and form labels that state the server's rule rather than their own."""
    low, high = limits(model, name)
    if low is not None and high is not None:
        return f"{low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}" if high is not None else ""
