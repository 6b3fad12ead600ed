"""A timeline as an after-action document: Markdown to read, CSV to sort. UTC throughout."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from vtoc import schemas as s
from vtoc.server.models import Operation

CSV_FIELDS = ("time_utc", "type", "kind", "actor", "summary", "link", "text")


def utc(item: s.TimelineItem) -> str:
    return item.at.strftime("%Y-%m-%d %H:%M:%SZ")


def markdown(operation: Operation, items: Iterable[s.TimelineItem]) -> str:
    """Each item a bullet: time, kind and actor, then an entry's text quoted or an event's
    summary."""
    lines = [f"# {operation.code} {operation.name}: timeline", ""]
    for item in items:
        lines.append(f"- **{utc(item)}** {item.kind} by {item.actor}")
        if item.text is None:
            lines.append(f"  {item.summary}")
            continue
        if item.summary.startswith("correction: "):
            lines.append("  > *correction*")
        lines.extend(f"  > {line}".rstrip() for line in item.text.splitlines())
    return "\n".join(lines) + "\n"


def csv_document(operation: Operation, items: Iterable[s.TimelineItem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for item in items:
        link, text = item.link or "", item.text or ""
        writer.writerow([utc(item), item.type, item.kind, item.actor, item.summary, link, text])
    return out.getvalue()
