"""The times people type, read the same by the CLI and the TUI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from vtoc.when import parse_past, parse_when

NOW = datetime(2026, 12, 6, 18, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2026-12-08", datetime(2026, 12, 8, tzinfo=UTC)),
        ("2026-12-08T12:00", datetime(2026, 12, 8, 12, tzinfo=UTC)),  # UTC assumed
        ("2026-12-08 12:00", datetime(2026, 12, 8, 12, tzinfo=UTC)),
        ("2026-12-08T12:00+02:00", datetime(2026, 12, 8, 10, tzinfo=UTC)),
        ("2026-12-08T12:00Z", datetime(2026, 12, 8, 12, tzinfo=UTC)),
        ("tomorrow 0600", datetime(2026, 12, 7, 6, tzinfo=UTC)),
        ("Tomorrow 06:00", datetime(2026, 12, 7, 6, tzinfo=UTC)),
        ("today 1930", datetime(2026, 12, 6, 19, 30, tzinfo=UTC)),
        ("tomorrow", datetime(2026, 12, 7, tzinfo=UTC)),
        ("+2h", NOW + timedelta(hours=2)),
        ("+30m", NOW + timedelta(minutes=30)),
        ("+1d", NOW + timedelta(days=1)),
    ],
)
def test_typed_times(typed: str, meant: datetime) -> None:
    assert parse_when(typed, NOW) == meant


def test_tomorrow_is_the_utc_day_after() -> None:
    late_in_tokyo = datetime(2026, 12, 6, 23, 30, tzinfo=timezone(timedelta(hours=9)))
    assert parse_when("tomorrow 0600", late_in_tokyo) == datetime(2026, 12, 7, 6, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["soon", "tomorrow 2500", "+2x", "2026-13-01", ""])
def test_what_is_not_a_time_says_which_forms_are(typed: str) -> None:
    with pytest.raises(ValueError, match="is not a time"):
        parse_when(typed, NOW)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("14:32Z", datetime(2026, 12, 6, 14, 32, tzinfo=UTC)),
        ("14:32:05z", datetime(2026, 12, 6, 14, 32, 5, tzinfo=UTC)),
        ("23:50Z", datetime(2026, 12, 5, 23, 50, tzinfo=UTC)),  # later today: yesterday's
        ("-10m", NOW - timedelta(minutes=10)),
        ("-2h", NOW - timedelta(hours=2)),
        ("now", NOW),
    ],
)
def test_a_log_entry_is_timed_in_the_past(typed: str, meant: datetime) -> None:
    assert parse_when(typed, NOW) == meant


@pytest.mark.parametrize("typed", ["25:00Z", "14:32", "ten minutes ago"])
def test_clock_times_need_their_zone_and_a_real_hour(typed: str) -> None:
    with pytest.raises(ValueError, match="is not a time"):
        parse_when(typed, NOW)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2h", NOW - timedelta(hours=2)),  # a flag that looks back: that long ago
        ("30m", NOW - timedelta(minutes=30)),
        ("-10m", NOW - timedelta(minutes=10)),
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
    ],
)
def test_a_bare_span_looks_back_where_a_flag_does(typed: str, meant: datetime) -> None:
    assert parse_past(typed, now=NOW) == meant
