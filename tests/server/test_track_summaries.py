"""A long track read by the hour: on PostgreSQL its whole hours come from summaries built by
the first read (``services/track_summaries.py``), and whatever changes an hour's fixes
makes its summary stale. The properties hold on both databases (SQLite reads every fix)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.client import VtocClient
from vtoc.server.db import make_read_engine, make_sessionmaker
from vtoc.server.models import PositionFix
from vtoc.server.services import track_summaries
from vtoc.server.services.track_summaries import Summary, store, summary_of, whole_hours
from vtoc.server.services.tracks import thin_old_fixes

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # on the hour
EVERY = timedelta(seconds=15)


def fix(asset: str, at: datetime, lat: float, lon: float) -> dict[str, Any]:
    return {"asset": asset, "at": at.isoformat(), "lat": lat, "lon": lon}


def zigzag(asset: str, start: datetime, count: int) -> tuple[list[dict[str, Any]], list[int]]:
    """``count`` fixes every 15 s: legs east and north in turn, 100 fixes each (a corner
    every 25 minutes, so in every hour and in the partial ones), with a wobble of a few
    metres on every fix; and the indexes of the corners."""
    lat, lon = 59.0, 18.0
    fixes = []
    for i in range(count):
        leg = i // 100
        wobble = 2e-6 * ((i * 7919) % 13 - 6)
        fixes.append(fix(asset, start + EVERY * i, lat + wobble, lon))
        if leg % 2:
            lat += 1e-3
        else:
            lon += 2e-3
    return fixes, list(range(100, count, 100))


def post(api: VtocClient, fixes: list[dict[str, Any]]) -> None:
    for i in range(0, len(fixes), 5000):
        api.post_positions(fixes[i : i + 5000])


@pytest.fixture
def long_track(operator: VtocClient) -> Iterator[tuple[list[dict[str, Any]], list[int]]]:
    """Hawk-40's 3 h 30 min from 20 minutes before T0: three whole hours and two partial
    ones (840 fixes)."""
    operator.assets.create(name="Hawk-40")
    fixes, corners = zigzag("Hawk-40", T0 - timedelta(minutes=20), 840)
    post(operator, fixes)
    yield fixes, corners


def read(api: VtocClient, since: datetime, until: datetime, max_points: int) -> s.Track:
    return api.track("Hawk-40", s.TrackQuery(since=since, until=until, max_points=max_points))


def at(f: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(f["at"])


def test_a_long_track_keeps_its_ends_and_turns_however_it_is_read(
    operator: VtocClient, long_track: tuple[list[dict[str, Any]], list[int]]
) -> None:
    fixes, corners = long_track
    since, until = at(fixes[0]), at(fixes[-1])
    first = read(operator, since, until, 20)
    again = read(operator, since, until, 20)  # on PostgreSQL from the summaries
    assert again == first
    assert first.total == 840 and len(first.fixes) <= 20
    times = [f.at for f in first.fixes]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert (times[0], times[-1]) == (since, until)
    assert {at(fixes[c]) for c in corners} <= set(times)
    # a range with no more fixes than asked for comes back whole, as every fix
    whole = read(operator, since, until, 1000)
    assert [(f.at, f.lat, f.lon) for f in whole.fixes] == [
        (at(f), f["lat"], f["lon"]) for f in fixes
    ]
    # a range that starts and ends inside hours: its first and last fix, and the total
    inside = read(operator, since + timedelta(minutes=7), until - timedelta(minutes=7), 12)
    assert inside.total == 840 - 2 * 28
    assert (inside.fixes[0].at, inside.fixes[-1].at) == (at(fixes[28]), at(fixes[-29]))


def test_a_late_fix_in_a_summarised_hour_is_in_the_next_read(
    operator: VtocClient, long_track: tuple[list[dict[str, Any]], list[int]]
) -> None:
    fixes, _ = long_track
    since, until = at(fixes[0]), at(fixes[-1])
    before = read(operator, since, until, 20)
    spike = T0 + timedelta(minutes=90, seconds=7)  # between two fixes of a whole hour
    operator.post_positions([fix("Hawk-40", spike, 59.5, 18.5)])
    after = read(operator, since, until, 20)
    assert after.total == before.total + 1
    assert spike in [f.at for f in after.fixes]  # the most pronounced point of all


def test_thinning_old_fixes_makes_their_hours_read_again(
    operator: VtocClient, session: Session
) -> None:
    operator.assets.create(name="Hawk-40")
    start = (datetime.now(UTC) - timedelta(days=9)).replace(minute=0, second=0, microsecond=0)
    fixes, _ = zigzag("Hawk-40", start, 3 * 240)  # three whole hours
    post(operator, fixes)
    until = start + timedelta(hours=3)
    assert read(operator, start, until, 50).total == 720
    deleted = thin_old_fixes(
        session, before=datetime.now(UTC) - timedelta(days=7), keep_every=timedelta(minutes=1)
    )
    session.commit()
    assert deleted == 720 - 180
    after = read(operator, start, until, 50)
    assert after.total == 180
    assert all(f.at.second == 0 for f in after.fixes)  # each minute's first fix only


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("summaries are PostgreSQL's: SQLite reads every fix")
    return engine


def hours(engine: Engine, table: str) -> dict[datetime, int]:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT hour, generation FROM {table} ORDER BY hour"))
        return {row.hour: row.generation for row in rows}


def test_summaries_are_built_once_and_taken_until_their_hour_changes(
    pg: Engine,
    operator: VtocClient,
    long_track: tuple[list[dict[str, Any]], list[int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fixes, _ = long_track
    since, until = at(fixes[0]), at(fixes[-1])
    whole = [T0 + timedelta(hours=h) for h in range(3)]
    assert list(hours(pg, "track_hours")) == [
        T0 - timedelta(hours=1),
        *whole,
        whole[-1] + timedelta(hours=1),
    ]
    first = read(operator, since, until, 20)
    assert hours(pg, "track_summaries") == {h: hours(pg, "track_hours")[h] for h in whole}

    def refuse(*_: Any) -> Summary:
        raise AssertionError("a current summary was built again")

    monkeypatch.setattr(track_summaries, "summary_of", refuse)
    assert read(operator, since, until, 20) == first
    assert read(operator, since, until, 7).fixes[0].at == since  # any max_points up to 1000

    # a fix of the middle hour changed behind the API's back: that hour only is stale
    generations = hours(pg, "track_hours")
    with pg.begin() as conn:
        conn.execute(
            update(PositionFix).where(PositionFix.at == whole[1]).values(lat=PositionFix.lat + 1)
        )
    changed = hours(pg, "track_hours")
    assert [h for h in changed if changed[h] != generations[h]] == [whole[1]]
    with pytest.raises(AssertionError, match="built again"):
        read(operator, since, until, 20)
    monkeypatch.undo()
    moved = read(operator, since, until, 20)
    assert whole[1] in [f.at for f in moved.fixes]  # a degree north: a spike now


def test_an_asset_delete_takes_its_hours_and_summaries(
    pg: Engine, admin: VtocClient, long_track: tuple[list[dict[str, Any]], list[int]]
) -> None:
    fixes, _ = long_track
    read(admin, at(fixes[0]), at(fixes[-1]), 20)
    assert hours(pg, "track_summaries")
    admin.assets.delete("Hawk-40")
    assert hours(pg, "track_hours") == {} and hours(pg, "track_summaries") == {}


def test_a_summary_is_kept_only_over_an_older_one_and_never_fails_a_read(
    pg: Engine, operator: VtocClient, session: Session
) -> None:
    hawk = operator.assets.create(name="Hawk-40")
    points = np.zeros(3, [("id", ">i8"), ("at", ">i8"), ("lat", ">f8"), ("lon", ">f8")])
    summary = summary_of(points)

    def kept() -> dict[datetime, int]:
        return hours(pg, "track_summaries")

    store(session, hawk.id, {T0: (5, summary)})
    session.commit()
    store(session, hawk.id, {T0: (4, summary)})  # built from an older generation
    session.commit()
    assert kept() == {T0: 5}
    # the asset deleted meanwhile: nothing stored, and the session goes on, in a
    # transaction (a savepoint) and in a read's autocommit
    store(session, 999_999, {T0: (1, summary)})
    assert session.execute(text("SELECT 1")).scalar() == 1
    reads = make_read_engine(str(pg.url.render_as_string(hide_password=False)), pg)
    with make_sessionmaker(reads, reads=True)() as autocommit:
        store(autocommit, 999_999, {T0: (1, summary)})
        assert autocommit.execute(text("SELECT 1")).scalar() == 1
    reads.dispose()


def test_whole_hours_of_a_range() -> None:
    minute = timedelta(minutes=1)
    hour = timedelta(hours=1)
    assert whole_hours(T0, T0 + hour) == (T0, T0 + hour)
    assert whole_hours(T0 - minute, T0 + 2 * hour + minute) == (T0, T0 + 2 * hour)
    assert whole_hours(T0 + minute, T0 + 2 * hour - minute) is None
    assert whole_hours(T0, T0 + hour - minute) is None
    micro = timedelta(microseconds=1)
    assert whole_hours(T0 + micro, T0 + 3 * hour - micro) == (T0 + hour, T0 + 2 * hour)
