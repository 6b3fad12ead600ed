"""One rule for names and references, on the server, for every front end (both databases).

Names are trimmed and must say something; a reference is an id, then a code, then an exact
name, then a name in any case; a name several rows share is a 409 listing them.
"""

from __future__ import annotations

import pytest

from vtoc import schemas as s
from vtoc.client import Conflict, NotFound, ValidationFailed, VtocClient


def refused_fields(call: object) -> dict[str, str]:
    assert callable(call)
    with pytest.raises(ValidationFailed) as refused:
        call()
    return {e.field: e.message for e in refused.value.errors}


@pytest.mark.parametrize("blank", ["   ", "\t \n", "\u00a0"])
def test_a_name_of_only_spaces_names_nothing(operator: VtocClient, blank: str) -> None:
    op = operator.operations.create(name="Silver Bridge")
    asset = operator.assets.create(name="Hawk-02")
    mission = operator.missions.create(operation_id=op.id, name="Overwatch")
    report = operator.intel.create(title="Beacon")
    attempts = {
        "operation create": lambda: operator.operations.create(name=blank),
        "operation update": lambda: operator.operations.update(op.id, name=blank),
        "mission create": lambda: operator.missions.create(operation_id=op.id, name=blank),
        "mission update": lambda: operator.missions.update(mission.id, name=blank),
        "asset create": lambda: operator.assets.create(name=blank),
        "asset update": lambda: operator.assets.update(asset.id, name=blank),
        "intel update": lambda: operator.intel.update(report.id, title=blank),
    }
    for what, attempt in attempts.items():
        errors = refused_fields(attempt)
        field = "title" if what.startswith("intel") else "name"
        assert errors == {field: "must not be empty or only spaces"}, what
    assert [o.name for o in operator.operations.list().items] == ["Silver Bridge"]
    assert operator.missions.get(mission.id).name == "Overwatch"


def test_names_are_saved_without_the_spaces_around_them(operator: VtocClient) -> None:
    op = operator.operations.create(name="  Silver Bridge \t")
    asset = operator.assets.create(name=" Hawk-02 ")
    assert (op.name, asset.name) == ("Silver Bridge", "Hawk-02")
    with pytest.raises(Conflict):  # the same name, however it was padded
        operator.assets.create(name="Hawk-02  ")
    renamed = operator.operations.update(op.id, name=" Silver Gate ")
    assert renamed.name == "Silver Gate"
    assert operator.intel.create(title="  Beacon  ").title == "Beacon"


def test_operations_and_missions_are_found_by_name(
    viewer: VtocClient, operator: VtocClient
) -> None:
    op = operator.operations.create(name="Silver Bridge")
    mission = operator.missions.create(operation_id=op.id, name="Overwatch North")
    assert viewer.operations.get("Silver Bridge").id == op.id
    assert viewer.operations.get(op.code).id == op.id
    assert viewer.operations.get("silver bridge").id == op.id
    assert viewer.missions.get("Overwatch North").id == mission.id
    assert viewer.missions.get("overwatch north").id == mission.id
    changed = operator.missions.update("Overwatch North", status="in_progress")
    assert changed.id == mission.id


def test_asset_names_are_found_in_any_case_but_an_exact_match_wins(
    viewer: VtocClient, operator: VtocClient
) -> None:
    hawk = operator.assets.create(name="Hawk-02")
    assert viewer.assets.get("hawk-02").id == hawk.id
    assert operator.heartbeat("HAWK-02").id == hawk.id
    lower = operator.assets.create(name="hawk-02")
    assert viewer.assets.get("hawk-02").id == lower.id
    assert viewer.assets.get("Hawk-02").id == hawk.id
    with pytest.raises(Conflict) as refused:
        viewer.assets.get("HAWK-02")
    problem = refused.value.problem
    assert problem is not None and problem.status == 409
    assert {(c.id, c.label) for c in problem.candidates} == {
        (hawk.id, "Hawk-02"),
        (lower.id, "hawk-02"),
    }
    assert f"(id {hawk.id})" in refused.value.message


def test_a_name_two_missions_share_lists_both(viewer: VtocClient, operator: VtocClient) -> None:
    first = operator.operations.create(name="North")
    second = operator.operations.create(name="South")
    a = operator.missions.create(operation_id=first.id, name="Patrol")
    b = operator.missions.create(operation_id=second.id, name="Patrol")
    with pytest.raises(Conflict) as refused:
        viewer.missions.get("Patrol")
    assert "give the id" in refused.value.message
    assert refused.value.problem is not None
    assert [c.id for c in refused.value.problem.candidates] == [a.id, b.id]
    assert refused.value.problem.candidates[0].label == f"Patrol in operation {first.id}"


def test_an_id_comes_before_a_code_and_a_code_before_a_name(
    viewer: VtocClient, operator: VtocClient
) -> None:
    first = operator.operations.create(name="Alpha")
    named_like_a_code = operator.operations.create(name=first.code)
    assert viewer.operations.get(first.code).id == first.id
    assert viewer.operations.get(str(first.id)).id == first.id
    numbered = operator.assets.create(name="9001")
    assert viewer.assets.get("9001").id == numbered.id  # no asset has id 9001
    assert named_like_a_code.id != first.id
    with pytest.raises(NotFound, match="no operation 'Nowhere'"):
        viewer.operations.get("Nowhere")


def test_refusals_are_worded_for_people(operator: VtocClient) -> None:
    op = operator.operations.create(name="Silver Bridge")
    errors = refused_fields(lambda: operator.missions.create(operation_id=op.id, status="done"))
    assert errors == {
        "name": "is required",
        "status": "must be one of pending, in_progress, blocked, completed, failed or "
        "cancelled (not 'done')",
    }
    errors = refused_fields(lambda: operator.heartbeat(1, s.Heartbeat.model_construct(lat=1.0)))
    assert errors == {"body": "lat and lon go together: give both or neither"}
    errors = refused_fields(lambda: operator.intel.create(title="t", confidence=101, colour=1))
    assert errors == {"confidence": "must be 100 or less", "colour": "unknown field"}
