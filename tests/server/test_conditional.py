"""Conditional requests on a row: its version is its ``ETag``, ``If-Match`` takes that
value back, and ``If-None-Match`` naming the current one is a 304 without a body."""

from __future__ import annotations

from typing import Any

import pytest

from vtoc.client import VtocClient


def row_and_change(operator: VtocClient, kind: str) -> tuple[str, dict[str, Any]]:
    """The path of a fresh row of ``kind``, and a change its PATCH takes."""
    if kind == "agents":
        return "/api/v1/agents/analyzer", {"interval_seconds": 700}
    op = operator.operations.create(name=f"Tagged {kind}")
    created: Any = {
        "operations": lambda: op,
        "missions": lambda: operator.missions.create(operation_id=op.id, name="Recon"),
        "assets": lambda: operator.assets.create(name=f"Tagged-{op.id}"),
        "intel": lambda: operator.intel.create(title="Seen at 10.0.0.9"),
        "tasks": lambda: operator.tasks.create(action="run_agent", params={"agent": "monitor"}),
    }[kind]()
    change = {"tasks": {"max_attempts": 9}, "intel": {"title": "Seen twice"}}
    return f"/api/v1/{kind}/{created.id}", change.get(kind, {"name": f"Renamed {op.id}"})


@pytest.mark.parametrize("kind", ["operations", "missions", "assets", "intel", "tasks", "agents"])
def test_a_rows_etag_is_its_version_and_a_current_one_is_not_sent_again(
    operator: VtocClient, kind: str
) -> None:
    http = operator.http
    path, change = row_and_change(operator, kind)
    first = http.get(path)
    tag = first.headers["ETag"]
    assert tag == f'"{first.json()["version"]}"'

    unchanged = http.get(path, headers={"If-None-Match": tag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["ETag"] == tag
    for also_current in (f"W/{tag}", f'"0", {tag}', "*"):
        assert http.get(path, headers={"If-None-Match": also_current}).status_code == 304

    # the value If-Match takes: the change applies, and the old tag is stale
    changed = http.patch(path, json=change, headers={"If-Match": tag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == f'"{changed.json()["version"]}"'  # for the next If-Match
    fresh = http.get(path, headers={"If-None-Match": tag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] == f'"{changed.json()["version"]}"' != tag
    assert fresh.json() == changed.json()
    for not_ours in ('"banana"', "W/", '"9' + "9" * 5000 + '"'):
        assert http.get(path, headers={"If-None-Match": not_ours}).status_code == 200


def test_a_missing_row_is_a_404_whatever_the_tag(operator: VtocClient) -> None:
    answer = operator.http.get("/api/v1/operations/987654", headers={"If-None-Match": "*"})
    assert answer.status_code == 404
    assert "ETag" not in answer.headers


def test_the_client_asks_for_a_row_only_if_it_changed(operator: VtocClient) -> None:
    op = operator.operations.create(name="Watched")
    assert operator.operations.changed(op.id, version=op.version) is None
    renamed = operator.operations.update(op.id, name="Watched still")
    assert operator.operations.changed(op.id, version=op.version) == renamed
