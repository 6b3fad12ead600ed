"""The dashboard answers what the operator's first screen shows, on both databases and both
read paths (a session's, and asyncpg's on the event loop)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vtoc import schemas as s
from vtoc.client import AuthError, VtocClient


def test_counts_overdue_and_intel_buckets(
    admin: VtocClient, viewer: VtocClient, operator_on_either_read_path: VtocClient
) -> None:
    op = admin.operations.create(name="Northern Watch", status=s.OperationStatus.active)
    admin.operations.create(name="Iron Harbor")
    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    admin.missions.create(operation_id=op.id, name="Late", due_at=past)
    admin.missions.create(
        operation_id=op.id, name="Done late", due_at=past, status=s.MissionStatus.completed
    )
    admin.assets.create(name="Ranger-01", status=s.AssetStatus.deployed)
    now = datetime.now(UTC)
    for hours_ago, severity in [(0.1, "high"), (0.2, "high"), (5.5, "low"), (30, "critical")]:
        admin.intel.create(
            title=f"report {hours_ago}",
            severity=severity,
            observed_at=(now - timedelta(hours=hours_ago)).isoformat(),
        )

    board = operator_on_either_read_path.dashboard()

    assert board.operations[s.OperationStatus.active] == 1
    assert board.operations[s.OperationStatus.planned] == 1
    assert board.operations[s.OperationStatus.cancelled] == 0
    assert board.missions[s.MissionStatus.pending] == 1
    assert board.missions[s.MissionStatus.completed] == 1  # statuses shared with operations
    assert board.operations[s.OperationStatus.completed] == 0
    assert board.overdue_missions == 1
    assert board.assets[s.AssetStatus.deployed] == 1
    assert len(board.intel_per_hour) == 24
    assert board.intel_per_hour[-1] == 2
    assert board.intel_per_hour[-6] == 1
    assert sum(board.intel_per_hour) == 3  # the 30 h old report is outside the window
    assert board.intel_by_severity[s.Severity.high] == 2
    assert board.intel_by_severity[s.Severity.critical] == 0
    assert board.recent_events[0].kind == "intel.created"
    assert board.recent_events[0].id > board.recent_events[-1].id
    assert {a.name for a in board.agents} == {"monitor", "analyzer", "executor"}
    assert viewer.dashboard().model_dump(exclude={"generated_at"}) == board.model_dump(
        exclude={"generated_at"}
    )


def test_recent_events_are_capped_at_twenty(
    admin: VtocClient, operator_on_either_read_path: VtocClient
) -> None:
    for n in range(25):
        admin.assets.create(name=f"Seismic-{n:02d}")
    board = operator_on_either_read_path.dashboard()
    assert len(board.recent_events) == 20
    newest = board.recent_events[0]
    assert (newest.kind, newest.entity, newest.data["name"]) == (
        "asset.created",
        "asset",
        "Seismic-24",
    )


def test_dashboard_needs_a_token(client_for: object) -> None:
    anonymous = client_for(None)  # type: ignore[operator]
    with pytest.raises(AuthError):
        anonymous.dashboard()
