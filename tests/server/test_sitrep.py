"""``GET /sitrep`` counts what the lists hold, for every operation or one, in its window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vtoc import schemas as s
from vtoc.client import NotFound, VtocClient


def test_sitrep_counts_an_operations_missions_intel_and_journal(operator: VtocClient) -> None:
    harbor = operator.operations.create(s.OperationCreate(name="Harbor"))
    other = operator.operations.create(s.OperationCreate(name="Elsewhere"))
    truck = operator.assets.create(s.AssetCreate(name="Truck", kind=s.AssetKind.vehicle))
    late = datetime.now(UTC) - timedelta(hours=2)
    operator.missions.create(
        s.MissionCreate(operation_id=harbor.id, name="Sweep", due_at=late, asset_ids=[truck.id])
    )
    operator.missions.create(s.MissionCreate(operation_id=other.id, name="Patrol"))
    for title in ("Beacon at 203.0.113.9", "Again 203.0.113.9"):
        operator.intel.create(
            s.IntelCreate(title=title, severity=s.Severity.high, operation_id=harbor.id)
        )
    operator.intel.create(
        s.IntelCreate(title="Old", operation_id=harbor.id, observed_at=late - timedelta(hours=30))
    )
    operator.journal.create(s.JournalCreate(text="Relay  up", operation_id=harbor.id))

    report = operator.sitrep(operation=harbor.code, hours=24)
    assert report.scope == f"{harbor.code} Harbor"
    assert [(o.code, o.missions) for o in report.operations] == [(harbor.code, {"pending": 1})]
    assert report.assets == {"available": 1}
    assert report.intel_total == 2
    assert report.intel_by_severity == {"high": 2}
    assert [(i.value, i.reports) for i in report.top_indicators] == [("203.0.113.9", 2)]
    assert [i.title for i in report.notable_intel] == ["Again 203.0.113.9", "Beacon at 203.0.113.9"]
    assert [(m.name, m.operation) for m in report.overdue] == [("Sweep", harbor.code)]
    assert [e.text for e in report.journal] == ["Relay up"]
    assert {i.severity for i in report.unacknowledged} == {s.Severity.high}

    everything = operator.sitrep()
    assert everything.scope == "all operations"
    assert [o.code for o in everything.operations] == [other.code, harbor.code]
    assert everything.intel_total == 2


@pytest.mark.parametrize("query", [{"hours": "0"}, {"hours": "x"}, {"scope": "all"}])
def test_sitrep_refuses_a_bad_window_naming_it(viewer: VtocClient, query: dict[str, str]) -> None:
    response = viewer.http.get("/api/v1/sitrep", params=query)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == set(query)


def test_sitrep_of_an_unknown_operation_is_404(viewer: VtocClient) -> None:
    with pytest.raises(NotFound):
        viewer.sitrep(operation="OP-0999")
