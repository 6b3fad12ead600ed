"""One line for an event: what it says beyond its kind and row, worded the same in the
event log (TUI), the operation's timeline (server, CLI, SPA) and anywhere else."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: the longest line a list shows whole; longer ones end in an ellipsis
LINE_CHARS = 120
#: the keys that name an event's row, the first present of them after its code (an
#: operation's: "OP-0042 Northern Watch")
NAMES = ("title", "name", "agent", "key")


def one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…"


def merged(data: Mapping[str, Any]) -> str:
    size, before = data.get("size"), data.get("previous_size")
    grew = ""
    if isinstance(size, int) and isinstance(before, int) and 0 < before < size:
        grew = f" (+{size - before})"
    absorbed = data.get("absorbed") or []
    took = f", absorbed {', '.join(f'#{a}' for a in absorbed)}" if absorbed else ""
    return f"{size} reports{grew}, {data.get('severity', '?')}{took}"


def cluster_updated(data: Mapping[str, Any]) -> str:
    if "summary_report_id" in data:
        report = data["summary_report_id"]
        return f"summary report #{report}" if report else "summary report unset"
    return "left its operation" if data.get("operation_id", 0) is None else ""


def overdue(data: Mapping[str, Any]) -> str:
    minutes = int(data.get("deadline_seconds") or 0) // 60
    return f"{data.get('severity', '')} unacknowledged past {minutes} min".strip()


def task(data: Mapping[str, Any]) -> str:
    error = data.get("last_error")
    said = f"{data.get('action', '')} {data.get('status', '')}".strip()
    return f"{said}: {error}" if error else said


def run_finished(data: Mapping[str, Any]) -> str:
    return f"{data.get('status', '')} {data.get('summary') or ''}".strip()


def moved(data: Mapping[str, Any]) -> str:
    lat, lon = data.get("lat"), data.get("lon")
    placed = isinstance(lat, float | int) and isinstance(lon, float | int)
    return f"at {lat:.5f}, {lon:.5f}" if placed else ""


def entry(data: Mapping[str, Any]) -> str:
    return f"{data.get('kind', '')}: {data.get('text', '')}"


#: what an event of a kind adds to its row's name
DETAILS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "correlation.merged": merged,
    "correlation.updated": cluster_updated,
    "intel.acknowledged": lambda d: f"acknowledged by {d.get('acked_by', '?')}",
    "intel.ack_overdue": overdue,
    "task.created": task,
    "task.updated": task,
    "task.claimed": task,
    "task.done": task,
    "task.failed": task,
    "task.retry": task,
    "agent.run_finished": run_finished,
    "asset.moved": moved,
    "journal.created": entry,
    "handover.created": lambda d: f"by {d.get('handed_by', '?')}",
    "handover.accepted": lambda d: f"accepted by {d.get('accepted_by', '?')}",
    "token.created": lambda d: str(d.get("role", "")),
    "ssh_key.enrolled": lambda d: str(d.get("role", "")),
    "ssh.session_opened": lambda d: f"from {d.get('client', '?')}",
    "ssh.session_closed": lambda d: f"after {d.get('duration_seconds', '?')} s",
}


def describe(kind: str, data: Mapping[str, Any]) -> str:
    """The row's name, what the kind adds and which fields changed, on one line."""
    named = next((str(data[key]) for key in NAMES if data.get(key)), "")
    name = " ".join(str(part) for part in (data.get("code"), named) if part)
    detail = DETAILS[kind](data) if kind in DETAILS else ""
    changed = data.get("changed")
    fields = f"({', '.join(map(str, changed))})" if changed else ""
    said = ": ".join(part for part in (name, detail) if part)
    return one_line(" ".join(part for part in (said, fields) if part))
