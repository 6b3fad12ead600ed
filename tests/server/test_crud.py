"""Each resource through the real client against the real app, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from vtoc import schemas as s
from vtoc.client import NotFound, ValidationFailed, VtocClient
from vtoc.schemas import Role


def test_operation_lifecycle(operator: VtocClient, admin: VtocClient) -> None:
    op = operator.operations.create(name="Northern Watch", priority="high", commander="Okafor")
    assert (op.code, op.status, op.priority, op.version) == ("OP-0001", "planned", "high", 1)

    by_code = operator.operations.get("OP-0001")
    assert by_code.id == op.id

    changed = operator.operations.update(op.id, status="active", version=op.version)
    assert changed.status == s.OperationStatus.active
    assert changed.version == 2

    admin.operations.delete("OP-0001")
    with pytest.raises(NotFound):
        operator.operations.get(op.id)


def test_operation_codes_skip_hand_chosen_ones(operator: VtocClient) -> None:
    """Auto codes follow row ids (ids restart at 1 in every test): the second row would be
    OP-0002, which the first took by hand, so it gets the next free number."""
    operator.operations.create(name="Hand numbered", code="OP-0002")
    first = operator.operations.create(name="First auto")
    second = operator.operations.create(name="Second auto")
    assert (first.code, second.code) == ("OP-0003", "OP-0004")


def test_an_operation_may_not_end_before_it_starts(operator: VtocClient) -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as refused:
        operator.operations.create(
            name="Backwards", start_at=start.isoformat(), end_at="2020-01-01T00:00:00Z"
        )
    assert [e.field for e in refused.value.errors] == ["end_at"]
    assert operator.operations.list(q="Backwards").items == []
    op = operator.operations.create(name="Forwards", start_at=start.isoformat())
    with pytest.raises(ValidationFailed):  # the stored start counts on an edit
        operator.operations.update(op.id, end_at="2026-05-01T00:00:00Z", version=op.version)
    assert operator.operations.get(op.id).end_at is None


def test_a_created_row_answers_its_times_in_utc_as_every_read_does(
    operator: VtocClient,
) -> None:
    op = operator.operations.create(name="Eastern Gate", start_at="2026-12-01T10:00:00+05:30")
    mission = operator.missions.create(
        operation_id=op.id, name="Relay", due_at="2026-12-02T00:30:00-02:00"
    )
    assert op.start_at == datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
    assert op.start_at.utcoffset() == timedelta(0)
    assert mission.due_at is not None and mission.due_at.utcoffset() == timedelta(0)
    assert operator.missions.get(mission.id).due_at == mission.due_at
    assert operator.operations.get(op.id).start_at == op.start_at


def test_mission_with_assets(operator: VtocClient) -> None:
    op = operator.operations.create(name="Iron Harbor")
    hawk = operator.assets.create(name="Hawk-1", kind="aircraft")
    team = operator.assets.create(name="Team-1", kind="personnel")
    mission = operator.missions.create(
        operation_id=op.id, name="Secure pier 7", asset_ids=[hawk.id]
    )
    assert mission.asset_ids == [hawk.id]

    assigned = operator.assign_asset(mission.id, team.id)
    assert assigned.asset_ids == sorted([hawk.id, team.id])
    assert assigned.version == mission.version + 1

    released = operator.assign_asset(mission.id, hawk.id, assigned=False)
    assert released.asset_ids == [team.id]

    listed = operator.missions.list(asset_id=team.id).items
    assert [m.id for m in listed] == [mission.id]


def test_mission_refuses_missing_references(operator: VtocClient) -> None:
    op = operator.operations.create(name="Quiet Meadow")
    with pytest.raises(ValidationFailed) as missing_op:
        operator.missions.create(operation_id=999, name="Nowhere")
    assert missing_op.value.errors[0].field == "operation_id"
    with pytest.raises(ValidationFailed) as missing_asset:
        operator.missions.create(operation_id=op.id, name="Ghost", asset_ids=[404])
    assert missing_asset.value.errors[0].field == "asset_ids"


def test_a_search_matches_the_status_as_well_as_the_names(operator: VtocClient) -> None:
    """``/blocked`` on the missions list finds the blocked missions, whatever their names."""
    op = operator.operations.create(name="Status Search")
    stuck = operator.missions.create(operation_id=op.id, name="Relay", status="blocked")
    operator.missions.create(operation_id=op.id, name="Escort", status="pending")
    found = operator.missions.list(q="BLOCK", operation_id=op.id).items
    assert [m.id for m in found] == [stuck.id]
    named = operator.missions.create(operation_id=op.id, name="Unblock the pass")
    found = operator.missions.list(q="block", operation_id=op.id).items
    assert {m.id for m in found} == {stuck.id, named.id}


def test_overdue_missions_filter(operator: VtocClient) -> None:
    op = operator.operations.create(name="Silver Bridge")
    past = datetime.now(UTC) - timedelta(hours=2)
    late = operator.missions.create(operation_id=op.id, name="Late", due_at=past.isoformat())
    operator.missions.create(
        operation_id=op.id, name="Done late", due_at=past.isoformat(), status="completed"
    )
    operator.missions.create(
        operation_id=op.id, name="Future", due_at=(past + timedelta(days=2)).isoformat()
    )
    assert [m.id for m in operator.missions.list(overdue=True).items] == [late.id]
    assert len(operator.missions.list(overdue=False).items) == 2


def test_asset_heartbeat_restores_reachability(operator: VtocClient) -> None:
    asset = operator.assets.create(name="Seismic-3", kind="sensor", status="unreachable")
    assert asset.last_seen_at is None
    beat = operator.heartbeat("Seismic-3", s.Heartbeat(lat=59.33, lon=18.06))
    assert beat.status == s.AssetStatus.available
    assert beat.last_seen_at is not None
    assert (beat.lat, beat.lon) == (59.33, 18.06)


def test_half_a_position_in_a_heartbeat_is_refused(
    app: FastAPI, make_token: Callable[..., str], operator: VtocClient
) -> None:
    """It used to be dropped without a word, the asset staying where it was."""
    operator.assets.create(name="Hawk-9", kind="aircraft")
    headers = {"Authorization": f"Bearer {make_token(Role.operator)}"}
    with TestClient(app) as http:
        answer = http.post("/api/v1/assets/Hawk-9/heartbeat", json={"lat": 10}, headers=headers)
    assert answer.status_code == 422
    assert "lat and lon go together" in answer.json()["detail"]
    assert operator.assets.get("Hawk-9").last_seen_at is None


def test_intel_extracts_indicators_and_reindexes(operator: VtocClient) -> None:
    report = operator.intel.create(
        title="Beacon from 203.0.113.7",
        body="Host resolved update-check.xyz; payload 44d88612fea8a8f36de82e1278abb02f (T1071)",
        severity="high",
    )
    found = {(i.kind, i.value) for i in report.indicators}
    assert found == {
        ("ipv4", "203.0.113.7"),
        ("domain", "update-check.xyz"),
        ("md5", "44d88612fea8a8f36de82e1278abb02f"),
        ("mitre", "T1071"),
    }
    updated = operator.intel.update(report.id, body="Now CVE-2024-3094 only")
    assert {(i.kind, i.value) for i in updated.indicators} == {
        ("ipv4", "203.0.113.7"),
        ("cve", "CVE-2024-3094"),
    }
    by_indicator = operator.intel.list(indicator="203.0.113.7").items
    assert [r.id for r in by_indicator] == [report.id]


def test_intel_filters(operator: VtocClient) -> None:
    now = datetime.now(UTC)
    old = operator.intel.create(
        title="Old", severity="low", observed_at=(now - timedelta(days=3)).isoformat()
    )
    new = operator.intel.create(title="New", severity="critical", source="osint")
    assert [r.id for r in operator.intel.list(min_severity="high").items] == [new.id]
    assert [r.id for r in operator.intel.list(source=["osint"]).items] == [new.id]
    since = (now - timedelta(days=1)).isoformat()
    assert [r.id for r in operator.intel.list(since=since).items] == [new.id]
    assert [r.id for r in operator.intel.list(until=since).items] == [old.id]


def test_intel_pages_carry_each_reports_own_indicators(operator: VtocClient) -> None:
    """Lists and show read reports past the ORM: each item must still be the whole report,
    with its own indicators (shared ones included), exactly as showing it by id returns it."""
    shared = "198.51.100.9"
    first = operator.intel.create(title=f"Beacon to {shared}", body="via evil-cdn.top")
    bare = operator.intel.create(title="Nothing to extract here")
    second = operator.intel.create(title=f"Scan from {shared}", body="CVE-2023-4966", raw={"a": 1})
    assert operator.intel.list(limit=1).items[0].raw is None  # lists leave raw out
    page = operator.intel.list(limit=2, raw=True)
    assert [r.id for r in page.items] == [second.id, bare.id]
    assert page.next_cursor is not None
    rest = operator.intel.list(limit=2, cursor=page.next_cursor, raw=True)
    assert [r.id for r in rest.items] == [first.id] and rest.next_cursor is None
    for listed in [*page.items, *rest.items]:
        assert listed == operator.intel.get(listed.id)
    assert page.items[1].indicators == []
    assert {(i.kind, i.value) for i in rest.items[0].indicators} == {
        ("ipv4", shared),
        ("domain", "evil-cdn.top"),
    }
    assert {(i.kind, i.value) for i in page.items[0].indicators} == {
        ("ipv4", shared),
        ("cve", "CVE-2023-4966"),
    }
    assert page.items[0].raw == {"a": 1}
    with pytest.raises(NotFound):
        operator.intel.get("not-a-number")


def test_intel_lists_a_clusters_members(operator: VtocClient) -> None:
    """A correlation names its members by id; their list is a filter of the intel list."""
    first = operator.intel.create(title="Beacon to 198.51.100.23")
    operator.intel.create(title="Unrelated")
    second = operator.intel.create(title="Scan from 198.51.100.23")
    operator.intel.create(title="Login from 192.0.2.44")
    operator.intel.create(title="Logout from 192.0.2.44")
    operator.correlation_run(s.CorrelationRun())
    clusters = {c.indicators[0].value: c for c in operator.correlations().items}
    members = operator.intel.list(correlation_id=clusters["198.51.100.23"].id).items
    assert {r.id for r in members} == {first.id, second.id}
    assert operator.intel.list(correlation_id=9999).items == []


def test_tasks_manual_moves(operator: VtocClient) -> None:
    task = operator.tasks.create(action="webhook", params={"url": "http://127.0.0.1:9/hook"})
    assert (task.status, task.attempts) == ("queued", 0)
    cancelled = operator.tasks.update(task.id, status="cancelled")
    assert cancelled.status == s.TaskStatus.cancelled
    with pytest.raises(ValidationFailed) as refused:
        operator.tasks.update(task.id, status="running")
    assert refused.value.errors[0].field == "status"


def test_agents_registry(operator: VtocClient, viewer: VtocClient) -> None:
    names = [a.name for a in viewer.agents.list().items]
    assert names == ["monitor", "analyzer", "executor"]
    assert [a.interval_seconds for a in viewer.agents.list().items] == [300, 600, 900]
    monitor = operator.agents.update("monitor", interval_seconds=120, config={"targets": []})
    assert (monitor.interval_seconds, monitor.config) == (120, {"targets": []})
    triggered = operator.trigger_agent("analyzer")
    assert triggered.next_run_at is not None
    assert viewer.agent_runs("analyzer").items == []


def test_agent_config_is_checked_when_saved_not_when_the_agent_next_runs(
    operator: VtocClient,
) -> None:
    saved = operator.agents.update("analyzer", config={"link_kinds": ["ipv4"], "window_days": 2})
    assert saved.config == {"link_kinds": ["ipv4"], "window_days": 2}
    for config, field in (
        ({"link_kinds": ["ipv4", "ip"]}, "config.link_kinds.1"),  # no such indicator kind
        ({"link_kind": ["ipv4"]}, "config.link_kind"),  # misspelled key
        ({"window_days": 0}, "config.window_days"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            operator.agents.update("analyzer", config=config)
        assert [e.field for e in refused.value.errors] == [field], config
    with pytest.raises(ValidationFailed) as refused:
        operator.agents.update("monitor", config={"targets": [{"name": "n8n"}]})
    assert refused.value.errors[0].field == "config.targets.0.url"
    assert operator.agents.get("analyzer").config == saved.config  # nothing half-saved


def test_tokens_admin(admin: VtocClient, client_for: object) -> None:
    created = admin.create_token(s.TokenCreate(name="n8n", role="operator"))
    assert created.token.startswith("vtoc_")
    assert created.prefix == created.token[:12]
    listed = {t.name: t for t in admin.tokens.list().items}
    assert listed["n8n"].role == s.Role.operator
    n8n = client_for(None, token=created.token)  # type: ignore[operator]
    assert n8n.whoami() == s.WhoAmI(name="n8n", role=s.Role.operator)
    revoked = admin.revoke_token("n8n")
    assert revoked.revoked_at is not None


def test_a_token_may_not_pass_for_the_server_or_be_born_expired(admin: VtocClient) -> None:
    """Events written under "hmac" or "demo" are the server's own; an expired token is a
    secret that opens nothing."""
    for name in ("hmac", "demo", "vtoc-admin-cli"):
        with pytest.raises(ValidationFailed) as refused:
            admin.create_token(s.TokenCreate(name=name, role="operator"))
        assert [e.field for e in refused.value.errors] == ["name"]
    past = datetime.now(UTC) - timedelta(minutes=1)
    with pytest.raises(ValidationFailed) as expired:
        admin.create_token(s.TokenCreate(name="late", role="viewer", expires_at=past))
    assert [e.field for e in expired.value.errors] == ["expires_at"]
    assert {t.name for t in admin.tokens.list().items}.isdisjoint({"hmac", "demo", "late"})


def test_every_write_is_in_the_event_log(operator: VtocClient, admin: VtocClient) -> None:
    op = operator.operations.create(name="Logged")
    operator.operations.update(op.id, priority="critical")
    admin.operations.delete(op.id)
    events = operator.events.list(entity="operation").items
    assert [e.kind for e in events] == [
        "operation.created",
        "operation.updated",
        "operation.deleted",
    ]
    assert {e.actor for e in events[:2]} == {operator.whoami().name}
    assert events[1].data["changed"] == ["priority"]
    assert all(e.operation_id == op.id for e in events)
    after = operator.events.list(after=events[0].id).items
    assert [e.id for e in after] == [events[1].id, events[2].id]
