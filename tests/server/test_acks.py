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
