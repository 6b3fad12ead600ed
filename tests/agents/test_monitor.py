"""The monitor against the real app: stale assets, overdue missions, outages filed once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.agents.conftest import AgentRunner, Target
from vtoc.client import VtocClient


def test_a_stale_asset_becomes_unreachable(runner: AgentRunner, operator: VtocClient) -> None:
    stale = operator.assets.create(name="relay-1", kind="sensor", heartbeat_seconds=1)
    fresh = operator.assets.create(name="relay-2", kind="sensor", heartbeat_seconds=3600)
    operator.heartbeat(stale.id)
    operator.heartbeat(fresh.id)
    time.sleep(1.2)

    run = runner.run("monitor")

    assert operator.assets.get(stale.id).status == "unreachable"
    assert operator.assets.get(fresh.id).status == "available"
    assert run.stats["unreachable_assets"] == [stale.id]
    assert run.stats["server_ready"] is True and run.stats["db_latency_ms"] >= 0
    changes = operator.events.list(kind="asset.updated", entity_id=stale.id).items
    assert [e.data["status"] for e in changes] == ["unreachable"]
    operator.heartbeat(stale.id)  # it checks in again: reachable
    assert operator.assets.get(stale.id).status == "available"


def test_overdue_missions_are_flagged_once(runner: AgentRunner, operator: VtocClient) -> None:
    op = operator.operations.create(name="Harbor", code="OPH-1")
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    late = operator.missions.create(operation_id=op.id, name="Sweep", due_at=past)
    operator.missions.create(operation_id=op.id, name="Later", due_at="2999-01-01T00:00:00Z")

    first = runner.run("monitor")
    second = runner.run("monitor")

    assert first.stats["overdue_missions"] == [late.id]
    assert first.stats["newly_overdue"] == [late.id]
    assert second.stats["newly_overdue"] == []
    assert "1 missions overdue (1 new)" in first.summary


def test_a_down_target_files_one_report_per_outage(
    runner: AgentRunner, operator: VtocClient, target: Target
) -> None:
    runner.configure("monitor", targets=[{"name": "n8n", "url": target.url, "timeout": 2}])
    target.default = 503
    runner.run("monitor")
    runner.run("monitor")
    runner.run("monitor")
    reports = operator.intel.list(source=["agent"]).items
    assert [r.title for r in reports] == ["Monitored target n8n is down"]
    assert "HTTP 503, expected 200" in reports[0].body

    target.default = 200
    assert runner.run("monitor").stats["recovered"] == ["n8n"]
    target.default = 500
    runner.run("monitor")
    assert len(operator.intel.list(source=["agent"]).items) == 2  # a second outage
    assert len(target.requests) == 5
