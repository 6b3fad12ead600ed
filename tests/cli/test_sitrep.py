"""The situation report for the seeded demo scenario says what the data says."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.cli.conftest import Run, ok
from vtoc.schemas import RunStatus
from vtoc.server.demo import seed_scenario
from vtoc.server.models import Agent, AgentRun


@pytest.fixture
def scenario(session: Session) -> None:
    """The demo scenario, the monitor healthy and the analyzer failing."""
    seed_scenario(session, reports=80, seed=7)
    now = datetime.now(UTC)
    for name, status in (("monitor", RunStatus.ok), ("analyzer", RunStatus.error)):
        agent = session.scalars(select(Agent).where(Agent.name == name)).one()
        agent.last_run_at = now - timedelta(seconds=30)
        session.add(
            AgentRun(
                agent_id=agent.id,
                started_at=now - timedelta(seconds=40),
                finished_at=now,
                status=status,
                summary=f"{name} pass",
                worker="w1",
            )
        )
    session.commit()


def listed(vtoc: Run, *args: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(ok(vtoc(*args, "--all", "--limit", "500", "--json")))
    return rows


@pytest.mark.usefixtures("scenario")
def test_sitrep_json_matches_the_data(vtoc: Run) -> None:
    report = json.loads(ok(vtoc("sitrep", "--hours", "24", "-o", "json")))
    ops = listed(vtoc, "ops", "list")
    assert [o["code"] for o in report["operations"]] == [o["code"] for o in ops]
    missions = listed(vtoc, "missions", "list")
    assert sum(sum(o["missions"].values()) for o in report["operations"]) == len(missions)
    assets = listed(vtoc, "assets", "list")
    assert sum(report["assets"].values()) == len(assets)

    since = datetime.fromisoformat(report["generated_at"]) - timedelta(hours=24)
    recent = listed(vtoc, "intel", "list", "--since", since.isoformat())
    assert report["intel_total"] == len(recent) > 0
    by_severity: dict[str, int] = {}
    for r in recent:
        by_severity[str(r["severity"])] = by_severity.get(str(r["severity"]), 0) + 1
    assert report["intel_by_severity"] == by_severity

    top = report["top_indicators"][0]
    sharing = listed(
        vtoc, "intel", "list", "--indicator", top["value"], "--since", since.isoformat()
    )
    assert top["reports"] == len(sharing) >= 2
    assert all(i["reports"] <= top["reports"] for i in report["top_indicators"])

    overdue = listed(vtoc, "missions", "list", "--overdue")
    assert sorted(m["id"] for m in report["overdue"]) == sorted(m["id"] for m in overdue)
    health = {a["name"]: a["health"] for a in report["agents"]}
    assert health == {"monitor": "ok", "analyzer": "failing", "executor": "never run"}


@pytest.mark.usefixtures("scenario")
def test_sitrep_markdown_reads_as_a_briefing(vtoc: Run) -> None:
    text = ok(vtoc("sitrep"))
    report = json.loads(ok(vtoc("sitrep", "-o", "json")))
    assert text.startswith("# SITREP ")
    for heading in (
        "## Bottom line",
        "## Operations",
        "## Asset readiness",
        "## Intelligence, last 24 h",
        "### Top shared indicators",
        "## Overdue missions",
        "## Agent health",
    ):
        assert f"\n{heading}\n" in text, heading
    for op in report["operations"]:
        assert f"| {op['code']} | {op['name']} |" in text
    assert f"`{report['top_indicators'][0]['value']}`" in text
    for mission in report["overdue"]:
        assert f"#{mission['id']} {mission['name']}" in text
    assert "1 of 3 healthy; analyzer failing, executor never run." in text
    assert "\x1b[" not in text, "no colour codes when piped"


@pytest.mark.usefixtures("scenario")
def test_sitrep_for_one_operation(vtoc: Run) -> None:
    report = json.loads(ok(vtoc("sitrep", "--operation", "OP-0002", "--hours", "72", "-o", "json")))
    assert [o["code"] for o in report["operations"]] == ["OP-0002"]
    assert report["scope"].startswith("OP-0002 ")
    in_op = listed(
        vtoc,
        "intel",
        "list",
        "--operation",
        "OP-0002",
        "--since",
        (datetime.fromisoformat(report["generated_at"]) - timedelta(hours=72)).isoformat(),
    )
    assert report["intel_total"] == len(in_op)
    assert {m["operation"] for m in report["overdue"]} <= {"OP-0002"}
    assert vtoc("sitrep", "--operation", "OP-0999").exit_code == 1


def test_sitrep_has_the_journal_and_the_open_watch_items_of_its_window(vtoc: Run) -> None:
    op = json.loads(ok(vtoc("ops", "create", "--name", "Harbor", "--json")))
    ok(vtoc("log", "add", "Relay established", "--op", op["code"], "--at", "-1h"))
    ok(vtoc("log", "add", "Old news", "--op", op["code"], "--at", "-30h"))
    critical = json.loads(
        ok(vtoc("intel", "create", "--title", "Beacon", "--severity", "critical", "--json"))
    )
    report = json.loads(ok(vtoc("sitrep", "--operation", op["code"], "-o", "json")))
    assert [e["text"] for e in report["journal"]] == ["Relay established"]
    assert report["unacknowledged"] == []  # the report belongs to no operation
    text = ok(vtoc("sitrep"))
    assert f"#{critical['id']} Beacon" in text.split("## Open watch items")[1]
    assert "note by cli-admin: Relay established" in text
    assert "Old news" not in text
