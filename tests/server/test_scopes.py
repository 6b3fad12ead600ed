"""Operation scopes: a token limited to one operation sees it, its missions, reports,
clusters, journal and events and the assets on its missions; everything else is a 404 on
every route the app has (walked from its OpenAPI), and lists, counts, the dashboard and the
event stream hold only what is in scope. Both databases."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from tests.live import first_event_after_opening, serve
from tests.server.test_auth_matrix import concrete, required_role, routes
from tests.server.test_stream import read_sse
from vtoc import schemas as s
from vtoc.client import ValidationFailed, VtocClient
from vtoc.config import ServerSettings
from vtoc.server.app import create_app
from vtoc.server.models import Correlation


@dataclass
class World:
    """Two operations, alpha (in scope) and bravo, and rows hanging off each."""

    inside: dict[str, int]
    outside: dict[str, int]
    scoped: VtocClient
    secret: str


@pytest.fixture
def world(admin: VtocClient, client_for: Callable[..., VtocClient], session: Session) -> World:
    found: dict[str, dict[str, int]] = {}
    for side, name in (("inside", "Alpha"), ("outside", "Bravo")):
        op = admin.operations.create(name=name)
        mission = admin.missions.create(operation_id=op.id, name=f"{name} patrol")
        asset = admin.assets.create(name=f"{name} truck", kind="vehicle")
        admin.assign_asset(mission.id, asset.id)
        report = admin.intel.create(title=f"{name} sighting", operation_id=op.id)
        entry = admin.journal.create(text=f"{name} on station", operation_id=op.id)
        cluster = Correlation(severity=s.Severity.low, operation_id=op.id, report_ids=[report.id])
        session.add(cluster)
        session.commit()
        handover = admin.handovers.create(text=f"{name} watch hands over", operation_id=op.id)
        found[side] = {
            "operations": op.id,
            "missions": mission.id,
            "assets": asset.id,
            "intel": report.id,
            "journal": entry.id,
            "correlations": cluster.id,
            "handovers": handover.id,
        }
    loose = admin.assets.create(name="Unassigned drone", kind="aircraft")
    report = admin.intel.create(title="No operation's report")
    task = admin.tasks.create(action="file_report", params={"title": "x"})
    found["outside"] |= {"loose_asset": loose.id, "loose_intel": report.id, "tasks": task.id}
    found["outside"]["agents"] = admin.agents.list().items[0].id
    created = admin.create_token(
        s.TokenCreate(name="alpha-only", role=s.Role.operator, operations=["OP-0001"])
    )
    assert created.operation_ids == [found["inside"]["operations"]]
    scoped = client_for(None, token=created.token)
    return World(found["inside"], found["outside"], scoped, created.token)


#: which of World's ids a path parameter of a route under each prefix names
PREFIX_IDS = {
    "operations": "operations",
    "missions": "missions",
    "assets": "assets",
    "intel": "intel",
    "journal": "journal",
    "correlations": "correlations",
    "tasks": "tasks",
    "agents": "agents",
    "handovers": "handovers",
}


def out_of_scope(path: str, outside: dict[str, int]) -> str | None:
    """The route's path with ids outside the scope; None for routes of no scoped row."""
    prefix = path.split("/")[3]
    if prefix not in PREFIX_IDS:
        return None
    url = re.sub(r"\{(ref|report_id|entry_id|correlation_id|handover_id)\}", "{id}", path, count=1)
    url = url.replace("{id}", str(outside[PREFIX_IDS[prefix]]), 1)
    return url.replace("{asset_id}", str(outside["assets"]))


def test_every_route_answers_404_for_rows_out_of_scope(
    app: FastAPI, admin: VtocClient, world: World
) -> None:
    walked = []
    for method, path in routes(app):
        if "{" not in path:
            continue
        url = out_of_scope(path, world.outside)
        if url is None:
            continue
        status = world.scoped.http.request(method, url, json={}).status_code
        if required_role(method, path) is s.Role.admin:
            assert status == 403, (method, url, status)
        elif method == "GET":
            assert status == 404, (method, url, status)
        else:  # a body may be refused first (422), a method always (405): as for no row
            absent = world.scoped.http.request(method, concrete(path), json={}).status_code
            assert status == absent and status in (404, 405, 422), (method, url, status, absent)
        walked.append((method, path))
    assert len(walked) > 25
    for kind in ("operations", "missions", "assets", "intel"):
        url = f"/api/v1/{kind}/{world.outside[kind]}"
        etag = admin.http.get(url).headers["ETag"]
        assert world.scoped.http.head(url).status_code == 404, url
        asked = world.scoped.http.get(url, headers={"If-None-Match": etag})
        assert asked.status_code == 404, (url, "a 304 would tell the row exists")
    for name in ("loose_asset", "loose_intel"):
        kind = "assets" if name == "loose_asset" else "intel"
        assert world.scoped.http.get(f"/api/v1/{kind}/{world.outside[name]}").status_code == 404


def test_rows_in_scope_answer_as_usual(world: World) -> None:
    inside = world.inside
    assert world.scoped.operations.get(inside["operations"]).name == "Alpha"
    assert world.scoped.missions.get(inside["missions"]).name == "Alpha patrol"
    assert world.scoped.assets.get(inside["assets"]).name == "Alpha truck"
    assert world.scoped.intel.get(inside["intel"]).title == "Alpha sighting"
    changed = world.scoped.missions.update(inside["missions"], status="in_progress")
    assert changed.status is s.MissionStatus.in_progress


def ids(page: Any) -> list[int]:
    return sorted(row.id for row in page.items)


def in_scope(admin: VtocClient, world: World) -> list[s.Event]:
    """The logged events alpha's token may see: alpha's, and those of the asset on its
    mission (an asset event carries no operation)."""
    alpha, truck = world.inside["operations"], world.inside["assets"]
    return [
        e
        for e in admin.events.list(limit=500).items
        if e.operation_id == alpha or (e.entity == s.Entity.asset and e.entity_id == truck)
    ]


def test_lists_and_the_dashboard_hold_only_what_is_in_scope(
    admin: VtocClient, world: World
) -> None:
    scoped, inside = world.scoped, world.inside
    assert ids(scoped.operations.list()) == [inside["operations"]]
    assert ids(scoped.missions.list()) == [inside["missions"]]
    assert ids(scoped.assets.list()) == [inside["assets"]]
    assert ids(scoped.intel.list()) == [inside["intel"]]
    alphas = [e.id for e in admin.journal.list().items if e.operation_id == inside["operations"]]
    assert ids(scoped.journal.list()) == sorted(alphas) and inside["journal"] in alphas
    assert ids(scoped.tasks.list()) == [] and ids(scoped.agents.list()) == []
    clusters = scoped.http.get("/api/v1/correlations").json()["items"]
    assert [c["id"] for c in clusters] == [inside["correlations"]]

    events = scoped.events.list(limit=500).items
    assert [e.id for e in events] == [e.id for e in in_scope(admin, world)]
    assert {e.operation_id for e in events} == {inside["operations"], None}
    assert len(admin.events.list(limit=500).items) > len(events)

    board = scoped.http.get("/api/v1/dashboard").json()
    assert sum(board["operations"].values()) == 1
    assert sum(board["missions"].values()) == 1
    assert sum(board["assets"].values()) == 1
    assert sum(board["intel_by_severity"].values()) == 1
    assert sum(board["intel_per_hour"]) == 1
    assert board["agents"] == []
    visible = {e.id for e in events}
    assert {e["id"] for e in board["recent_events"]} <= visible


def test_briefings_the_timeline_and_search_hold_only_what_is_in_scope(
    admin: VtocClient, world: World
) -> None:
    """The sitrep, the watch, handovers, an operation's timeline (with its assets' events)
    and its export, a track, a text search: what an operator reads beyond the lists."""
    scoped, inside, alpha = world.scoped, world.inside, world.inside["operations"]
    report = scoped.sitrep()
    assert [o.name for o in report.operations] == ["Alpha"]
    assert report.intel_total == 1 < admin.sitrep().intel_total
    assert [j.text.split()[:2] for j in report.journal] == [["Alpha", "on"], ["Alpha", "watch"]]
    assert report.agents == []

    watch = scoped.http.get("/api/v1/watch", params={"min_severity": "info"}).json()
    assert [r["id"] for r in watch["unacknowledged"]] == [inside["intel"]]
    assert watch["unacknowledged_total"] == 1
    assert watch["failed_tasks"] == []

    assert ids(scoped.handovers.list()) == [inside["handovers"]]

    timeline = [(i.type, i.id) for i in scoped.timeline(alpha, limit=500).items]
    assert timeline == [(i.type, i.id) for i in admin.timeline(alpha, limit=500).items]
    assert ("event", in_scope(admin, world)[0].id) in timeline  # the truck's creation
    exported = scoped.timeline_export(alpha, "text/csv")
    assert exported == admin.timeline_export(alpha, "text/csv")
    assert "Bravo" not in exported

    assert [a.name for a in scoped.assets.list(q="truck").items] == ["Alpha truck"]
    assert [r.title for r in scoped.intel.list(q="sighting").items] == ["Alpha sighting"]
    assert [e.text for e in scoped.journal.list(q="station").items] == ["Alpha on station"]


@pytest.fixture
def live(settings: ServerSettings) -> Iterator[str]:
    """A real server (TestClient buffers streams), its safety poll an hour away."""
    tuned = settings.model_copy(update={"sse_poll_seconds": 3600.0})
    with serve(create_app(tuned)) as url:
        yield url


def test_the_stream_delivers_only_events_in_scope(
    admin: VtocClient, world: World, live: str
) -> None:
    alpha = world.inside["operations"]
    logged = admin.events.list(limit=500).items
    expected = [e.id for e in in_scope(admin, world)]
    assert 0 < len(expected) < len(logged)
    resumed = read_sse(live, count=len(expected), token=world.secret, params={"after": 0})
    assert [int(e.id) for e in resumed] == expected

    def both_move() -> None:
        admin.operations.update(world.outside["operations"], description="bravo moves")
        admin.operations.update(alpha, description="alpha moves")

    arrived, _ = first_event_after_opening(live, world.secret, both_move, "operation.")
    assert [(e.kind, e.operation_id) for e in arrived] == [("operation.updated", alpha)]


def test_the_stream_carries_the_moves_of_the_assets_on_its_missions(
    admin: VtocClient, world: World, live: str
) -> None:
    """Asset events belong to no operation: they reach a scoped map when the asset serves
    one of its missions (an asset may serve missions of several operations), and only
    then."""
    alpha_truck, bravo_truck = world.inside["assets"], world.outside["assets"]
    drone = world.outside["loose_asset"]
    start = datetime.now(UTC) - timedelta(minutes=1)
    at = (str(start + timedelta(seconds=second)) for second in range(60))

    def move(*assets: int) -> None:
        for asset in assets:  # one batch each: the moves are logged in this order
            admin.post_positions([{"asset": asset, "at": next(at), "lat": 1.0, "lon": 2.0}])

    arrived, _ = first_event_after_opening(
        live, world.secret, lambda: move(bravo_truck, drone, alpha_truck), "asset."
    )
    assert [(e.kind, e.entity_id) for e in arrived] == [("asset.moved", alpha_truck)]

    # An asset on both operations' missions, moving for the first time: a second move of
    # one that moved a moment ago waits for its second (coalesced), a matter of its own.
    shared = admin.assets.create(name="Shared truck", kind="vehicle").id
    admin.assign_asset(world.outside["missions"], shared)
    admin.assign_asset(world.inside["missions"], shared)
    arrived, _ = first_event_after_opening(
        live, world.secret, lambda: move(drone, shared), "asset."
    )
    assert [(e.kind, e.entity_id) for e in arrived] == [("asset.moved", shared)]

    seen = {e.entity_id for e in world.scoped.events.list(limit=500).items if e.entity == "asset"}
    assert seen == {alpha_truck, shared}
    track = world.scoped.http.get(f"/api/v1/assets/{alpha_truck}/track").json()
    assert len(track["fixes"]) == 1
    assert world.scoped.http.get(f"/api/v1/assets/{drone}/track").status_code == 404
    trails = s.TracksQuery(since=start, asset=[alpha_truck, bravo_truck, drone, shared])
    assert [t.asset_id for t in world.scoped.tracks(trails).tracks] == [alpha_truck, shared]
    everyone = [alpha_truck, bravo_truck, drone, shared]
    assert [t.asset_id for t in admin.tracks(trails).tracks] == sorted(everyone)
    out = world.scoped.tracks(trails.model_copy(update={"asset": [drone, bravo_truck]}))
    assert out.tracks == [], "a trail out of scope is as absent as one that does not exist"


def test_the_stream_says_when_an_asset_on_its_missions_is_deleted(
    admin: VtocClient, world: World, live: str
) -> None:
    """A deleted asset leaves its missions first: the scoped map's stream still hears of
    it (it once kept showing the asset until a reload), and of no other asset's delete."""
    alpha_truck, drone = world.inside["assets"], world.outside["loose_asset"]

    def delete_both() -> None:
        admin.assets.delete(drone)
        admin.assets.delete(alpha_truck)

    arrived, _ = first_event_after_opening(live, world.secret, delete_both, "asset.")
    assert [(e.kind, e.entity_id) for e in arrived] == [("asset.deleted", alpha_truck)]
    # the log says so too: a list, or a stream catching up from before the delete
    listed = world.scoped.events.list(limit=500, kind="asset.deleted").items
    assert [(e.kind, e.entity_id) for e in listed] == [("asset.deleted", alpha_truck)]
    assert len(admin.events.list(limit=500, kind="asset.deleted").items) == 2


def test_scopes_are_refused_for_admins_and_unknown_operations(
    admin: VtocClient, world: World
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        admin.create_token(s.TokenCreate(name="boss", role=s.Role.admin, operations=[1]))
    assert [e.field for e in refused.value.errors] == ["operations"]
    with pytest.raises(ValidationFailed) as unknown:
        admin.create_token(s.TokenCreate(name="lost", operations=["OP-9999"]))
    assert "OP-9999" in str(unknown.value)
    nothing = admin.create_token(s.TokenCreate(name="nothing", operations=[]))
    assert nothing.operation_ids == []


def test_a_scoped_token_creates_only_inside_its_operations(world: World) -> None:
    scoped, alpha = world.scoped, world.inside["operations"]
    mission = scoped.missions.create(operation_id=alpha, name="Alpha relief")
    assert scoped.missions.get(mission.id).name == "Alpha relief"
    report = scoped.intel.create(title="Alpha contact", operation_id=alpha)
    assert scoped.intel.get(report.id).title == "Alpha contact"
    fix = {"asset": "New buoy", "at": "2026-01-01T00:00:00Z", "lat": 1.0, "lon": 2.0}
    for path, body in (
        ("/api/v1/operations", {"name": "Charlie"}),
        ("/api/v1/assets", {"name": "Stray"}),
        ("/api/v1/ingest/wazuh", [{"id": "1", "rule": {"level": 3}}]),
        ("/api/v1/correlations/run", {}),
        ("/api/v1/positions?create_assets=true", [fix]),
    ):
        answer = scoped.http.post(path, json=body)
        assert answer.status_code == 403, (path, answer.text)
    for path, body in (
        ("/api/v1/intel", {"title": "Nowhere"}),
        ("/api/v1/intel", {"title": "Bravo's", "operation_id": world.outside["operations"]}),
        ("/api/v1/journal", {"text": "Nowhere"}),
        ("/api/v1/missions", {"name": "x", "operation_id": world.outside["operations"]}),
    ):
        answer = scoped.http.post(path, json=body)
        assert answer.status_code == 422, (path, body, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == ["operation_id"], answer.text
