"""Times as an operator types them in a hurry: ``14:32Z``, ``-10m``, ``now`` or ISO 8601.

Shared by the CLI and the TUI; the API itself takes only ISO 8601 with a zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

AGO = re.compile(r"-(\d{1,6})([smhd])")
CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?Z", re.IGNORECASE)
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_when(text: str, *, now: datetime | None = None) -> datetime:
    """The time ``text`` names, in UTC. A clock time (``14:32Z``) is the latest one that is
    not in the future: typed at 00:05, ``23:50Z`` is yesterday's. ValueError says why not."""
    now = now or datetime.now(UTC)
    text = text.strip()
    if text.lower() == "now":
        return now
    if found := AGO.fullmatch(text):
        return now - timedelta(**{UNITS[found.group(2)]: int(found.group(1))})
    if found := CLOCK.fullmatch(text):
        hour, minute, second = (int(g or 0) for g in found.groups())
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"{text!r} is not a time of day")
        at = now.replace(hour=hour, minute=minute, second=second, microsecond=0)
        return at - timedelta(days=1) if at > now else at
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r}: use 14:32Z, -10m, now or ISO 8601 with a zone") from None
    if at.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone: add Z or +02:00")
    return at.astimezone(UTC)
