"""What a delete takes with it through foreign keys, as a follower of the event log sees it."""

from __future__ import annotations

import pytest

from vtoc import schemas as s
from vtoc.client import (
    NotFound,
    PreconditionFailed,
    ValidationFailed,
    VtocClient,
)
from vtoc.server.models import Base


def events_after(client: VtocClient, after: int) -> list[s.Event]:
    return client.events.list(after=after, limit=1000).items


def last_event_id(client: VtocClient) -> int:
    newest = client.events.list(order="desc", limit=1).items
    return newest[0].id if newest else 0


def test_deleting_an_operation_announces_its_missions(
    operator: VtocClient, admin: VtocClient
) -> None:
    op = operator.operations.create(name="Doomed")
    other = operator.operations.create(name="Unrelated")
    hawk = operator.assets.create(name="Hawk-9", kind="aircraft")
    first = operator.missions.create(operation_id=op.id, name="One", asset_ids=[hawk.id])
    second = operator.missions.create(operation_id=op.id, name="Two")
    kept = operator.missions.create(operation_id=other.id, name="Kept", asset_ids=[hawk.id])
    mark = last_event_id(operator)

    admin.operations.delete(op.id)

    seen = events_after(operator, mark)
    assert [(e.kind, e.entity_id) for e in seen] == [
        ("mission.deleted", first.id),
        ("mission.deleted", second.id),
        ("operation.deleted", op.id),
    ]
    gone = seen[0]
    assert gone.operation_id == op.id
    assert gone.actor == admin.whoami().name
    assert gone.data["name"] == "One"
    assert gone.data["asset_ids"] == [hawk.id]
    for mission in (first, second):
        with pytest.raises(NotFound):
            operator.missions.get(mission.id)
    assert operator.missions.get(kept.id).version == kept.version


def test_deleting_an_operation_unlinks_its_intel(operator: VtocClient, admin: VtocClient) -> None:
    op = operator.operations.create(name="Short lived")
    report = operator.intel.create(title="Beacon to 203.0.113.7", operation_id=op.id)
    loose = operator.intel.create(title="Nothing to do with it")
    mark = last_event_id(operator)

    admin.operations.delete(op.id)

    seen = events_after(operator, mark)
    assert [(e.kind, e.entity_id) for e in seen] == [
        ("intel.updated", report.id),
        ("operation.deleted", op.id),
    ]
    unlinked = seen[0]
    assert unlinked.data["changed"] == ["operation_id"]
    assert unlinked.data["operation_id"] is None
    assert unlinked.data["indicators"] == [{"kind": "ipv4", "value": "203.0.113.7"}]
    now = operator.intel.get(report.id)
    assert now.operation_id is None
    assert now.version == report.version + 1 == unlinked.data["version"]
    assert operator.intel.get(loose.id).version == loose.version
    with pytest.raises(PreconditionFailed):
        operator.intel.update(report.id, severity="high", version=report.version)


def test_deleting_an_operation_unlinks_its_correlations(
    operator: VtocClient, admin: VtocClient
) -> None:
    op = operator.operations.create(name="Correlated")
    operator.intel.create(title="Seen 198.51.100.4", operation_id=op.id)
    operator.intel.create(title="Again 198.51.100.4", operation_id=op.id)
    operator.correlation_run(s.CorrelationRun())
    [cluster] = operator.correlations().items
    assert cluster.operation_id == op.id
    mark = last_event_id(operator)

    admin.operations.delete(op.id)

    updated = operator.events.list(after=mark, kind="correlation.").items
    assert [(e.kind, e.entity_id, e.data) for e in updated] == [
        ("correlation.updated", cluster.id, {"operation_id": None}),
    ]
    assert operator.correlation(cluster.id).operation_id is None


def test_deleting_a_report_takes_it_out_of_its_cluster(
    operator: VtocClient, admin: VtocClient
) -> None:
    low = operator.intel.create(title="Beacon to 203.0.113.77", severity="low")
    high = operator.intel.create(title="Exfil to 203.0.113.77", severity="high")
    third = operator.intel.create(title="DNS for 203.0.113.77", severity="medium")
    operator.correlation_run(s.CorrelationRun())
    [cluster] = operator.correlations().items
    assert (cluster.report_ids, cluster.severity) == ([low.id, high.id, third.id], "high")
    mark = last_event_id(operator)

    admin.intel.delete(high.id)

    now = operator.correlation(cluster.id)
    assert (now.report_ids, now.score, now.severity) == ([low.id, third.id], 2.0, "medium")
    updated = operator.events.list(after=mark, kind="correlation.").items
    assert [(e.kind, e.entity_id, e.data) for e in updated] == [
        (
            "correlation.updated",
            cluster.id,
            {
                "report_ids": [low.id, third.id],
                "score": 2.0,
                "severity": "medium",
                "changed": ["report_ids", "score", "severity"],
            },
        ),
    ]

    summary = operator.correlation_escalate(cluster.id)
    assert operator.correlation(cluster.id).summary_report_id == summary.id
    mark = last_event_id(operator)
    admin.intel.delete(summary.id)
    assert operator.correlation(cluster.id).summary_report_id is None
    updated = operator.events.list(after=mark, kind="correlation.").items
    assert [e.data for e in updated] == [
        {"summary_report_id": None, "changed": ["summary_report_id"]}
    ]
    assert operator.correlation_escalate(cluster.id).id != summary.id  # it can have one again


def test_a_deleted_reports_indicators_stop_linking_its_cluster(
    operator: VtocClient, admin: VtocClient
) -> None:
    only_ip = operator.intel.create(title="Beacon to 203.0.113.88")
    both = operator.intel.create(title="203.0.113.88 resolved evil-c2.example.net")
    operator.intel.create(title="Lookups of evil-c2.example.net")
    operator.intel.create(title="More lookups of evil-c2.example.net")
    operator.correlation_run(s.CorrelationRun())
    [cluster] = operator.correlations().items
    assert {i.value for i in cluster.indicators} == {"203.0.113.88", "evil-c2.example.net"}

    admin.intel.delete(only_ip.id)  # the IP is now in one report only: it links nothing

    assert [i.value for i in operator.correlation(cluster.id).indicators] == ["evil-c2.example.net"]
    admin.intel.delete(both.id)  # the domain is still in two
    assert [i.value for i in operator.correlation(cluster.id).indicators] == ["evil-c2.example.net"]


def test_deleting_an_asset_releases_it_from_missions(operator: VtocClient) -> None:
    op = operator.operations.create(name="Air cover")
    hawk = operator.assets.create(name="Hawk-7", kind="aircraft")
    team = operator.assets.create(name="Team-7", kind="personnel")
    both = operator.missions.create(operation_id=op.id, name="Both", asset_ids=[hawk.id, team.id])
    only = operator.missions.create(operation_id=op.id, name="Only", asset_ids=[hawk.id])
    other = operator.missions.create(operation_id=op.id, name="Other", asset_ids=[team.id])
    report = operator.intel.create(title="Hawk-7 spotted", asset_id=hawk.id)
    mark = last_event_id(operator)

    operator.assets.delete(hawk.id)

    seen = events_after(operator, mark)
    assert [(e.kind, e.entity_id) for e in seen] == [
        ("mission.updated", both.id),
        ("mission.updated", only.id),
        ("intel.updated", report.id),
        ("asset.deleted", hawk.id),
    ]
    assert seen[0].data["asset_ids"] == [team.id]
    assert seen[0].data["changed"] == ["asset_ids"]
    assert seen[0].operation_id == op.id
    assert seen[1].data["asset_ids"] == []
    assert seen[2].data["changed"] == ["asset_id"]
    assert seen[2].data["asset_id"] is None

    now = operator.missions.get(both.id)
    assert now.asset_ids == [team.id]
    assert now.version == both.version + 1 == seen[0].data["version"]
    assert operator.missions.get(other.id).version == other.version
    assert operator.intel.get(report.id).asset_id is None


def test_a_stale_edit_cannot_bring_a_deleted_asset_back(operator: VtocClient) -> None:
    op = operator.operations.create(name="Resurrection")
    hawk = operator.assets.create(name="Hawk-5", kind="aircraft")
    mission = operator.missions.create(operation_id=op.id, name="Held", asset_ids=[hawk.id])

    operator.assets.delete(hawk.id)

    with pytest.raises(PreconditionFailed):
        operator.missions.update(mission.id, name="Renamed", version=mission.version)
    with pytest.raises(ValidationFailed):
        operator.missions.update(mission.id, asset_ids=mission.asset_ids)


def test_a_delete_says_before_what_it_takes_with_it(
    operator: VtocClient, viewer: VtocClient, admin: VtocClient
) -> None:
    op = operator.operations.create(name="Counted")
    hawk = operator.assets.create(name="Hawk-3", kind="aircraft")
    for name in ("One", "Two", "Three"):
        operator.missions.create(operation_id=op.id, name=name, asset_ids=[hawk.id])
    first = operator.intel.create(title="Seen 198.51.100.9", operation_id=op.id)
    operator.intel.create(title="Again 198.51.100.9", operation_id=op.id, asset_id=hawk.id)
    operator.correlation_run(s.CorrelationRun())
    lone = operator.missions.create(operation_id=op.id, name="Lone")
    operator.post_positions(
        [
            {"asset": "Hawk-3", "at": f"2026-12-01T10:0{n}:00Z", "lat": 59.9, "lon": 10.7}
            for n in (1, 2)
        ]
    )

    assert viewer.operations.delete_impact(op.code) == s.DeleteImpact(
        deletes={"mission": 4}, unlinks={"intel": 2, "correlation": 1}
    )
    assert viewer.assets.delete_impact("Hawk-3") == s.DeleteImpact(
        deletes={"position_fix": 2}, unlinks={"mission": 3, "intel": 1}
    )
    assert viewer.intel.delete_impact(first.id) == s.DeleteImpact(unlinks={"correlation": 1})
    assert viewer.missions.delete_impact(lone.id) == s.DeleteImpact()
    with pytest.raises(NotFound):
        viewer.operations.delete_impact("OP-9999")

    mark = last_event_id(operator)
    admin.operations.delete(op.id)
    kinds = [e.kind for e in events_after(operator, mark)]
    assert (kinds.count("mission.deleted"), kinds.count("intel.updated")) == (4, 2)
    assert kinds.count("correlation.updated") == 1


def test_every_cascade_is_accounted_for() -> None:
    """A new ``ondelete`` changes rows behind the API's back: decide what it announces
    (``vtoc.server.services.cascades``) and add it here."""
    cascades = {
        f"{fk.parent.table.name}.{fk.parent.name}": fk.ondelete
        for table in Base.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.ondelete
    }
    assert cascades == {
        # announced: mission.deleted, mission.updated, intel.updated, correlation.updated
        "correlation_members.report_id": "CASCADE",
        "missions.operation_id": "CASCADE",
        "mission_assets.asset_id": "CASCADE",
        "intel_reports.operation_id": "SET NULL",
        "intel_reports.asset_id": "SET NULL",
        "correlations.operation_id": "SET NULL",
        # nothing a client shows changes: the deleted row's own parts and bookkeeping
        "mission_assets.mission_id": "CASCADE",
        "indicators.report_id": "CASCADE",
        "ingested_alerts.report_id": "CASCADE",
        "correlation_members.correlation_id": "CASCADE",
        "agent_runs.agent_id": "CASCADE",
        "position_fixes.asset_id": "CASCADE",  # its track: counted in its delete-impact
        "track_hours.asset_id": "CASCADE",  # its track's bookkeeping (track_summaries.py)
        "track_summaries.asset_id": "CASCADE",
        "intel_acks.report_id": "CASCADE",  # who saw the report, gone with it
        "intel_ack_overdue.report_id": "CASCADE",  # its once-only overdue mark
        "event_tickets.token_id": "CASCADE",
    }
