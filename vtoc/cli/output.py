"""One renderer for every command: a table, JSON, YAML or CSV from the same rows.

On a terminal tables are rich and coloured by status/severity with short timestamps; when
stdout is piped they become tab-separated text with exact ISO timestamps and nothing cut.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from pydantic import BaseModel

from vtoc.terminal import printable


class Format(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"
    csv = "csv"


#: Styles for enum values on a terminal: severities, priorities and statuses share one palette.
STYLES = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
    "active": "green",
    "in_progress": "green",
    "running": "green",
    "deployed": "green",
    "ok": "green",
    "available": "cyan",
    "planned": "blue",
    "pending": "blue",
    "queued": "blue",
    "paused": "yellow",
    "maintenance": "yellow",
    "timeout": "yellow",
    "blocked": "red",
    "failed": "red",
    "error": "red",
    "offline": "red",
    "unreachable": "bold red",
    "completed": "dim",
    "done": "dim",
    "cancelled": "dim",
}


@dataclass(frozen=True)
class Column:
    """A table/CSV column: a field of the row, or a value computed from it."""

    header: str
    key: str
    get: Callable[[Any], object] | None = None

    def value(self, row: BaseModel) -> object:
        return self.get(row) if self.get else getattr(row, self.key, None)


def columns(*keys: str) -> list[Column]:
    return [Column(key.upper().replace("_", " "), key) for key in keys]


def is_terminal() -> bool:
    from rich.console import Console

    return Console().is_terminal


def plain(value: object) -> str:
    """Exact text for pipes and CSV: ISO timestamps, JSON for structures, nothing cut."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | dict):
        return json.dumps(value, default=fields_of, separators=(",", ":"))
    return printable(" ".join(value.split())) if isinstance(value, str) else str(value)


def fields_of(value: object) -> object:
    """A model inside a list (an intel report's indicators) as its JSON fields."""
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else str(value)


def brief(item: object) -> str:
    """A list item for people: a model's fields joined ("url:http://…"), else its text."""
    fields = fields_of(item)
    text = ":".join(map(str, fields.values())) if isinstance(fields, dict) else str(fields)
    return printable(text)


def pretty(value: object) -> str:
    """Short text for people: minutes are enough, lists read as lists."""
    if value is None:
        return "[dim]-[/]"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    from rich.markup import escape  # brackets in titles, paths and names are text

    if isinstance(value, list):
        return escape(", ".join(brief(v) for v in value))
    text = plain(value)
    style = STYLES.get(text) if isinstance(value, Enum) else None
    return f"[{style}]{escape(text)}[/]" if style else escape(text)


def write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def dump(data: Any, fmt: Format) -> str:
    if fmt is Format.yaml:
        import yaml

        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return json.dumps(data, indent=2, ensure_ascii=False)


def render(
    rows: Sequence[BaseModel],
    cols: Sequence[Column],
    fmt: Format,
    *,
    title: str | None = None,
) -> None:
    """A list: JSON/YAML arrays of the API's objects, or the columns as a table or CSV."""
    if fmt in (Format.json, Format.yaml):
        write(dump([row.model_dump(mode="json") for row in rows], fmt))
    elif fmt is Format.csv:
        write(
            to_csv([[c.header for c in cols], *([plain(c.value(r)) for c in cols] for r in rows)])
        )
    elif is_terminal():
        rich_table(
            [c.header for c in cols], ([pretty(c.value(r)) for c in cols] for r in rows), title
        )
    else:
        lines = [[c.header for c in cols], *([plain(c.value(r)) for c in cols] for r in rows)]
        write("\n".join("\t".join(line) for line in lines))


def render_one(row: BaseModel, fmt: Format) -> None:
    """One object: every field, as a JSON/YAML object or a two-column table."""
    if fmt in (Format.json, Format.yaml):
        write(dump(row.model_dump(mode="json"), fmt))
        return
    fields = list(type(row).model_fields)
    if fmt is Format.csv:
        write(to_csv([fields, [plain(getattr(row, f)) for f in fields]]))
    elif is_terminal():
        rich_table(["FIELD", "VALUE"], ([f, pretty(getattr(row, f))] for f in fields), None)
    else:
        write("\n".join(f"{f}\t{plain(getattr(row, f))}" for f in fields))


def to_csv(lines: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(lines)
    return out.getvalue()


def rich_table(headers: Sequence[str], lines: Iterable[Sequence[str]], title: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, title=title, header_style="bold", box=None, pad_edge=False)
    for line in lines:
        table.add_row(*line)
    Console().print(table)
