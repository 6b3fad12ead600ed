"""Acknowledging a report: once, by whoever saw it first; a viewer cannot."""

from __future__ import annotations

import pytest

from vtoc.client import Forbidden, NotFound, VtocClient


def test_the_first_acknowledgement_stands(
    operator: VtocClient, admin: VtocClient, viewer: VtocClient
) -> None:
    report = operator.intel.create(title="Beacon", severity="critical")
    first = operator.http.post(f"/api/v1/intel/{report.id}/ack")
    assert first.status_code == 201
    assert first.json()["acked_by"] == operator.whoami().name
    again = admin.http.post(f"/api/v1/intel/{report.id}/ack")
    assert (again.status_code, again.json()) == (200, first.json())
    assert admin.acknowledge(report.id).acked_by == operator.whoami().name
    with pytest.raises(Forbidden):
        viewer.acknowledge(report.id)
    with pytest.raises(NotFound):
        operator.acknowledge(9999)
    acks = operator.events.list(kind="intel.acknowledged").items
    assert [(e.entity_id, e.actor) for e in acks] == [(report.id, operator.whoami().name)]


def test_the_intel_list_filters_on_acknowledgement(operator: VtocClient) -> None:
    seen = operator.intel.create(title="Seen", severity="high")
    unseen = operator.intel.create(title="Unseen", severity="high")
    operator.acknowledge(seen.id)
    ids = {seen.id, unseen.id}
    open_ids = {r.id for r in operator.intel.list(acknowledged=False, limit=500).items}
    acked_ids = {r.id for r in operator.intel.list(acknowledged=True, limit=500).items}
    assert (open_ids & ids, acked_ids & ids) == ({unseen.id}, {seen.id})
    raw = operator.http.get("/api/v1/intel", params={"acknowledged": "maybe"})
    assert raw.status_code == 422
    assert "acknowledged" in raw.text
