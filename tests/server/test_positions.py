"""POST /api/v1/positions and the track route, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from tests.live import serve
from vtoc import schemas as s
from vtoc.client import Forbidden, NotFound, RetryPolicy, ValidationFailed, VtocClient
from vtoc.server import events
from vtoc.server.services.positions import flush_moves, store_batch

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def fix(asset: int | str, at: datetime, lat: float, lon: float, **more: Any) -> dict[str, Any]:
    return {"asset": asset, "at": at.isoformat(), "lat": lat, "lon": lon, **more}


def test_a_batch_stores_the_good_fixes_and_names_each_bad_one(operator: VtocClient) -> None:
    hawk = operator.assets.create(name="Hawk-01", kind="vehicle")
    soon = datetime.now(UTC) + timedelta(days=2)
    batch = [
        fix(hawk.id, T0, 59.33, 18.06),
        fix("Hawk-01", T0 + timedelta(seconds=1), 91.0, 18.06),
        fix("Hawk-01", soon, 59.33, 18.06),
        fix("Ghost", T0, 59.33, 18.06),
        fix(999_999, T0, 59.33, 18.06),
        {"asset": "Hawk-01", "lat": 59.0, "lon": 18.0},
        fix("Hawk-01", T0 + timedelta(seconds=2), 59.34, 18.07, speed=12.5, course=90),
    ]
    result = operator.post_positions(batch)
    assert (result.stored, result.duplicates, result.assets_created) == (2, 0, 0), result
    errors = {r.index: r.error for r in result.rejected}
    assert sorted(errors) == [1, 2, 3, 4, 5]
    assert errors[1].startswith("lat: ")
    assert errors[2].startswith("at: ") and "future" in errors[2]
    assert "no asset named 'Ghost'" in errors[3] and "create_assets" in errors[3]
    assert errors[4] == "asset: no asset with id 999999"
    assert errors[5].startswith("at: is required")

    track = operator.track(
        "Hawk-01", s.TrackQuery(since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=1))
    )
    assert [(f.lat, f.lon, f.speed) for f in track.fixes] == [
        (59.33, 18.06, None),
        (59.34, 18.07, 12.5),
    ]


def test_nan_is_refused_with_its_fix_not_with_the_batch(operator: VtocClient) -> None:
    hawk = operator.assets.create(name="Hawk-02")
    body = [fix(hawk.id, T0, float("nan"), 18.0), fix(hawk.id, T0, 59.0, 18.0)]
    # What Python's json writes for NaN, which is not JSON: the good fix still goes in.
    raw = json.dumps(body).encode()
    result = operator.http.post(
        "/api/v1/positions", content=raw, headers={"Content-Type": "application/json"}
    ).json()
    assert result["stored"] == 1
    assert [r["index"] for r in result["rejected"]] == [0]
    assert result["rejected"][0]["error"].startswith("lat: ")


def test_a_body_that_is_not_a_list_is_a_422_naming_the_body(operator: VtocClient) -> None:
    answer = operator.http.post(
        "/api/v1/positions", content=b'{"asset": 1}', headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body"


def test_a_retried_batch_stores_nothing_twice(operator: VtocClient) -> None:
    operator.assets.create(name="Hawk-03")
    batch = [fix("Hawk-03", T0 + timedelta(seconds=i), 59 + i / 1000, 18.0) for i in range(50)]
    assert operator.post_positions(batch).stored == 50
    again = operator.post_positions(batch)
    assert (again.stored, again.duplicates) == (0, 50)
    # the same time from another source is another fix
    other = operator.post_positions([{**batch[0], "source": "nmea"}])
    assert other.stored == 1
    track = operator.track("Hawk-03", s.TrackQuery(since=T0, until=T0 + timedelta(hours=1)))
    assert track.total == 51


def test_a_late_older_fix_joins_the_track_but_does_not_move_the_asset(
    operator: VtocClient,
) -> None:
    operator.assets.create(name="Hawk-04")
    operator.post_positions([fix("Hawk-04", T0 + timedelta(minutes=5), 60.0, 20.0)])
    late = operator.post_positions([fix("Hawk-04", T0, 50.0, 10.0)])
    assert late.stored == 1
    asset = operator.assets.get("Hawk-04")
    assert (asset.lat, asset.lon) == (60.0, 20.0)
    assert asset.position_at == asset.last_seen_at == T0 + timedelta(minutes=5)
    track = operator.track("Hawk-04", s.TrackQuery(since=T0, until=T0 + timedelta(hours=1)))
    assert [f.lat for f in track.fixes] == [50.0, 60.0]
    # within one batch too: the newest fix wins, wherever it stands in the batch
    operator.post_positions(
        [
            fix("Hawk-04", T0 + timedelta(minutes=9), 61.0, 21.0),
            fix("Hawk-04", T0 + timedelta(minutes=7), 62.0, 22.0),
        ]
    )
    assert operator.assets.get("Hawk-04").lat == 61.0


def test_create_assets_registers_new_names_with_their_kind(operator: VtocClient) -> None:
    batch = [
        fix("4CA123", T0, 53.4, -6.2, kind="aircraft", callsign="RYR12A", source="adsb"),
        fix("4CA123", T0 + timedelta(seconds=5), 53.5, -6.3, source="adsb"),
        fix("406123", T0, 51.4, -0.4, kind="aircraft", source="adsb"),
    ]
    unknown = operator.post_positions(batch)
    assert (unknown.stored, len(unknown.rejected)) == (0, 3)
    result = operator.post_positions(batch, create_assets=True)
    assert (result.stored, result.assets_created, result.rejected) == (3, 2, [])
    plane = operator.assets.get("4CA123")
    assert (plane.kind, plane.callsign, plane.lat) == ("aircraft", "RYR12A", 53.5)
    # a name of digits only is a name (an ICAO address), not the id of another asset
    (digits,) = operator.assets.list(q="406123").items
    assert (digits.name, digits.lat) == ("406123", 51.4)


def test_a_blank_or_boolean_asset_is_refused_by_its_fix_even_with_create_assets(
    operator: VtocClient,
) -> None:
    batch = [fix("  ", T0, 1, 1), fix(True, T0, 1, 1), fix("Kite-7", T0, 1, 1)]
    result = operator.post_positions(batch, create_assets=True)
    assert (result.stored, result.assets_created) == (1, 1)
    assert [(r.index, r.error.split(":")[0]) for r in result.rejected] == [
        (0, "asset.name"),
        (1, "asset.name"),
    ]


def test_a_fresh_fix_makes_an_unreachable_asset_reachable_an_old_one_does_not(
    operator: VtocClient,
) -> None:
    asset = operator.assets.create(name="Hawk-05", status="unreachable", heartbeat_seconds=300)
    now = datetime.now(UTC)
    operator.post_positions([fix(asset.id, now - timedelta(hours=1), 59.0, 18.0)])
    assert operator.assets.get(asset.id).status == "unreachable"
    operator.post_positions([fix(asset.id, now - timedelta(seconds=10), 59.1, 18.1)])
    seen = operator.assets.get(asset.id)
    assert seen.status == "available"
    updates = operator.events.list(kind="asset.updated", entity_id=asset.id).items
    assert [e.data["changed"] for e in updates] == [["status"]]


def test_a_heartbeat_with_a_position_is_a_fix(operator: VtocClient) -> None:
    operator.assets.create(name="Hawk-06")
    operator.heartbeat("Hawk-06", s.Heartbeat(lat=59.3, lon=18.1))
    track = operator.track("Hawk-06")
    assert [(f.lat, f.lon, f.source) for f in track.fixes] == [(59.3, 18.1, "heartbeat")]
    asset = operator.assets.get("Hawk-06")
    assert asset.position_at == track.fixes[0].at


def test_the_track_is_thinned_keeping_first_last_and_the_turns(operator: VtocClient) -> None:
    operator.assets.create(name="Hawk-07")
    # east along a parallel, a turn north, a turn east again: 600 fixes, three legs
    points = [(59.0, 18.0 + i * 0.001) for i in range(200)]
    points += [(59.0 + i * 0.001, 18.2) for i in range(200)]
    points += [(59.2, 18.2 + i * 0.001) for i in range(200)]
    batch = [
        fix("Hawk-07", T0 + timedelta(seconds=i), lat, lon) for i, (lat, lon) in enumerate(points)
    ]
    operator.post_positions(batch)
    query = s.TrackQuery(since=T0, until=T0 + timedelta(hours=1), max_points=4)
    track = operator.track("Hawk-07", query)
    assert track.total == 600
    assert [(f.lat, f.lon) for f in track.fixes] == [
        points[0],
        points[200],  # the corners
        points[400],
        points[599],
    ]
    times = [f.at for f in track.fixes]
    assert times == sorted(times)
    everything = operator.track("Hawk-07", query.model_copy(update={"max_points": 1000}))
    assert len(everything.fixes) == 600


def test_track_bad_input_and_roles(operator: VtocClient, viewer: VtocClient) -> None:
    operator.assets.create(name="Hawk-08")
    with pytest.raises(NotFound):
        viewer.track("Nobody")
    with pytest.raises(ValidationFailed) as raised:
        viewer.track("Hawk-08", s.TrackQuery(since=T0, until=T0 - timedelta(hours=1)))
    assert raised.value.errors[0].field == "since"
    with pytest.raises(Forbidden):
        viewer.post_positions([fix("Hawk-08", T0, 1.0, 1.0)])
    assert viewer.track("Hawk-08").fixes == []


def test_the_trails_of_many_assets_come_in_one_request_each_thinned(
    operator: VtocClient, viewer: VtocClient
) -> None:
    """What the SPA's map draws: every asset that moved in the range, its own track thinned
    to ``max_points``; an asset that moved before the range, or never, is left out."""
    hawks = [operator.assets.create(name=f"Hawk-2{i}") for i in range(3)]
    operator.assets.create(name="Parked")
    batch = [fix(hawks[0].id, T0 + timedelta(seconds=i), 59.0, 18.0 + i * 0.001) for i in range(50)]
    batch += [fix(hawks[1].id, T0 + timedelta(seconds=i), 60.0 + i * 0.001, 18.0) for i in range(3)]
    batch += [fix(hawks[2].id, T0 - timedelta(hours=2), 61.0, 18.0)]
    operator.post_positions(batch)
    query = s.TracksQuery(since=T0, until=T0 + timedelta(minutes=30), max_points=10)

    found = viewer.tracks(query)
    assert not found.more
    assert [(t.name, t.total, len(t.fixes)) for t in found.tracks] == [
        ("Hawk-20", 50, 10),
        ("Hawk-21", 3, 3),
    ]
    first, second = found.tracks
    assert (first.fixes[0].lon, first.fixes[-1].lon) == (18.0, 18.049)  # its ends are kept
    assert [f.lat for f in second.fixes] == [60.0, 60.001, 60.002]  # in time order

    one = viewer.tracks(query.model_copy(update={"asset": [hawks[1].id], "limit": 1}))
    assert [t.name for t in one.tracks] == ["Hawk-21"] and not one.more
    capped = viewer.tracks(query.model_copy(update={"limit": 1}))
    assert [t.name for t in capped.tracks] == ["Hawk-20"] and capped.more


def test_a_track_and_the_trails_are_the_bytes_their_models_write(
    operator: VtocClient, viewer: VtocClient
) -> None:
    """The track routes write plain data with orjson, not through ``s.Track``: the bytes
    must still be the ones pydantic writes for the model (``Z`` times, nulls, floats)."""
    hawk = operator.assets.create(name="Hawk-30")
    operator.post_positions(
        [
            fix(hawk.id, T0, 59.5, 18.25, alt=12.5, course=90.0, speed=0.1, accuracy=3.0),
            fix(hawk.id, T0 + timedelta(microseconds=1500), 59.0, -0.0000001, source="ais"),
        ]
    )
    params = {"since": "2026-12-01T12:00:00Z", "until": "2026-12-01T14:00:00+01:00"}
    track = viewer.http.get(f"/api/v1/assets/{hawk.id}/track", params=params)
    assert track.content == s.Track.model_validate_json(track.content).model_dump_json().encode()
    assert json.loads(track.content)["fixes"][1]["at"] == "2026-12-01T12:00:00.001500Z"
    trails = viewer.http.get("/api/v1/tracks", params=params)
    assert trails.content == s.Tracks.model_validate_json(trails.content).model_dump_json().encode()
    assert len(json.loads(trails.content)["tracks"][0]["fixes"]) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"max_points": 1}, "max_points"),
        ({"max_points": 1000, "limit": 1000}, "max_points"),  # a million fixes: too many
        ({"limit": 0}, "limit"),
        ({"asset": ["3", "hawk"]}, "asset.1"),
        ({"since": "2026-12-01T12:00:00Z", "until": "2026-12-01T11:00:00Z"}, "since"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_trails_bad_input_is_a_422_naming_the_field(
    viewer: VtocClient, params: dict[str, Any], field: str
) -> None:
    answer = viewer.http.get("/api/v1/tracks", params=params)
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]], answer.json()


def moved(session: Session, asset_id: int) -> list[dict[str, Any]]:
    rows = events.list_after(session, kind="asset.moved", entity_id=asset_id, limit=100)
    return [r.data for r in rows]


def test_moves_are_announced_at_most_once_a_second_and_the_last_one_is_not_lost(
    session: Session, operator: VtocClient
) -> None:
    asset = operator.assets.create(name="Hawk-09")
    now = datetime.now(UTC)
    for step in range(5):  # five fixes within 0.4 s, each in its own batch
        at = now + timedelta(seconds=step / 10)
        store_batch(
            session,
            actor="test",
            items=[fix(asset.id, at, 59.0 + step, 18.0)],
            create_assets=False,
            now=at,
        )
        session.commit()
    assert [m["lat"] for m in moved(session, asset.id)] == [59.0]
    due = flush_moves(session, now=now + timedelta(seconds=0.5))
    session.commit()
    assert due == now + timedelta(seconds=1)
    assert len(moved(session, asset.id)) == 1
    assert flush_moves(session, now=now + timedelta(seconds=1)) is None
    session.commit()
    announced = moved(session, asset.id)
    assert [m["lat"] for m in announced] == [59.0, 63.0]
    assert announced[-1]["name"] == "Hawk-09"
    assert announced[-1]["at"] == (now + timedelta(seconds=0.4)).isoformat().replace("+00:00", "Z")


def test_old_tracks_keep_one_fix_a_minute_and_recent_ones_stay_whole(
    session: Session, operator: VtocClient
) -> None:
    from vtoc.server.services.tracks import thin_old_fixes

    asset = operator.assets.create(name="Hawk-10")
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=8)
    old = old.replace(second=0)
    batch = [fix(asset.id, old + timedelta(seconds=i), 59.0, 18.0 + i / 1e4) for i in range(180)]
    batch += [fix(asset.id, now - timedelta(seconds=i), 60.0, 18.0) for i in range(1, 121)]
    assert operator.post_positions(batch).stored == 300

    deleted = thin_old_fixes(
        session, before=now - timedelta(days=7), keep_every=timedelta(minutes=1)
    )
    session.commit()
    assert deleted == 177
    track = operator.track(asset.id, s.TrackQuery(since=old, until=now, max_points=1000))
    kept_old = [f.at for f in track.fixes if f.at < now - timedelta(days=7)]
    assert kept_old == [old, old + timedelta(minutes=1), old + timedelta(minutes=2)]
    assert track.total == 3 + 120
    assert (
        thin_old_fixes(session, before=now - timedelta(days=7), keep_every=timedelta(minutes=1))
        == 0
    )


def test_a_running_server_announces_the_move_that_waited(
    app: FastAPI, make_token: Callable[[s.Role], str]
) -> None:
    """Three fixes in quick succession: the first is announced at once, the last when its
    second is over (by the server's own upkeep), the one between them never."""
    with serve(app) as url, VtocClient(url, make_token(s.Role.operator)) as api:
        asset = api.assets.create(name="Hawk-11")
        start = api.events.list(limit=1, order="desc").items[0].id
        now = datetime.now(UTC)
        for step in range(3):
            api.post_positions(
                [fix(asset.id, now + timedelta(milliseconds=step), 50.0 + step, 8.0)]
            )
        stream = api.stream_events(after=start, kinds=["asset.moved"])
        first, last = next(stream), next(stream)
        assert (first.data["lat"], last.data["lat"]) == (50.0, 52.0)
        assert last.ts - first.ts >= timedelta(seconds=1)
        # Announced by the upkeep's next tick, with no other fix to carry it; the bound is
        # far above a tick so that a busy machine cannot fail it, only a move never sent.
        assert last.ts - first.ts < timedelta(seconds=30)


def test_concurrent_batches_for_the_same_assets_are_all_stored_first_time(
    app: FastAPI, make_token: Callable[[s.Role], str]
) -> None:
    """Feeds send batches for the same assets at once. Each batch's fixes hold a key-share
    lock on their assets (the foreign key) while the batch then locks the assets to move
    them: taken as FOR UPDATE, two such batches deadlocked and answered 503 on every try."""
    senders, rounds, fleet = 3, 6, 40
    token = make_token(s.Role.operator)
    together = threading.Barrier(senders)

    def send(sender: int) -> list[int]:
        stored = []
        with VtocClient(url, token, retry=RetryPolicy(attempts=1)) as api:
            for r in range(rounds):
                at = T0 + timedelta(seconds=r * senders + sender)
                together.wait()
                batch = [fix(f"Feed-{a}", at, 50.0, 8.0 + a / 100) for a in range(fleet)]
                try:
                    stored.append(api.post_positions(batch).stored)
                except Exception:
                    together.abort()  # the others must not wait for this one
                    raise
        return stored

    with serve(app) as url, ThreadPoolExecutor(senders) as pool:
        with VtocClient(url, token) as api:
            api.post_positions(
                [fix(f"Feed-{a}", T0 - timedelta(minutes=1), 50.0, 8.0) for a in range(fleet)],
                create_assets=True,
            )
        answers = list(pool.map(send, range(senders)))
    assert answers == [[fleet] * rounds] * senders
