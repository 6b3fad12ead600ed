"""Times as an operator types them, read the same by the CLI and the TUI.

The server takes ISO 8601 with an offset only; people type ``2026-12-08``, ``tomorrow 0600``
or ``+2h``. This turns those into an aware UTC time before anything is sent. A time without
an offset is UTC (said in every help text that takes one). Hand-written rather than
``dateparser``: five forms, exact answers, and no locale guessing or heavy import at start.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

#: what every prompt and flag that takes a time says about it
FORMS = (
    "ISO 8601 (no offset = UTC), 2026-12-08, today/tomorrow 0600, +2h, +30m, +1d, "
    "-10m (ago), 14:32Z (the last one), now"
)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
RELATIVE = re.compile(r"^([+-])\s*(\d+)\s*([smhdw])$")
#: a clock time in UTC, as a log entry is timed: the last such time, never a future one
LAST_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?z$")
#: a bare span, where a flag looks back (``--since 2h``): that long ago
AGO = re.compile(r"^(\d+)\s*([smhdw])$")
DAY_AND_CLOCK = re.compile(r"^(today|tomorrow)(?:\s+(\d{1,2}):?(\d{2}))?$")


def now_utc() -> datetime:
    return datetime.now(UTC)


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """An aware UTC time from what was typed; ``ValueError`` names the accepted forms."""
    typed = " ".join(text.strip().lower().split())
    now = now or now_utc()
    if typed == "now":
        return now
    if match := RELATIVE.match(typed):
        sign = -1 if match[1] == "-" else 1
        return now + timedelta(seconds=sign * int(match[2]) * UNITS[match[3]])
    if match := LAST_CLOCK.match(typed):
        at = at_clock(now.astimezone(UTC).date(), match[1], match[2], text, match[3] or "0")
        return at - timedelta(days=1) if at > now else at
    if match := DAY_AND_CLOCK.match(typed):
        day = now.astimezone(UTC).date() + timedelta(days=match[1] == "tomorrow")
        return at_clock(day, match[2] or "0", match[3] or "0", text)
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a time; use {FORMS}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_past(text: str, now: datetime | None = None) -> datetime:
    """A time a flag looks back to (``--since``, ``--until``, ``--at``): a bare span such as
    ``2h`` is that long ago; anything else reads as ``parse_when`` reads it."""
    if match := AGO.match(" ".join(text.strip().lower().split())):
        return parse_when(f"-{match[1]}{match[2]}", now)
    return parse_when(text, now)


def at_clock(day: date, hours: str, minutes: str, text: str, seconds: str = "0") -> datetime:
    try:
        return datetime.combine(day, time(int(hours), int(minutes), int(seconds)), UTC)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a time of day (00:00 to 23:59)") from None
