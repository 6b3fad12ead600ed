"""Times typed in a hurry become the instants the operator meant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vtoc.when import parse_when

NOW = datetime(2026, 12, 6, 14, 40, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:32Z", datetime(2026, 12, 6, 14, 32, tzinfo=UTC)),
        ("14:32:05z", datetime(2026, 12, 6, 14, 32, 5, tzinfo=UTC)),
        ("23:50Z", datetime(2026, 12, 5, 23, 50, tzinfo=UTC)),  # later today: yesterday's
        ("-10m", datetime(2026, 12, 6, 14, 30, 30, tzinfo=UTC)),
        ("-2h", datetime(2026, 12, 6, 12, 40, 30, tzinfo=UTC)),
        ("-1d", datetime(2026, 12, 5, 14, 40, 30, tzinfo=UTC)),
        ("now", NOW),
        ("2026-12-06T16:00:00+02:00", datetime(2026, 12, 6, 14, 0, tzinfo=UTC)),
    ],
)
def test_times_operators_type(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["25:00Z", "14:32", "2026-12-06T14:32", "ten minutes ago", "+5m"])
def test_times_that_say_nothing_certain_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_when(text, now=NOW)
