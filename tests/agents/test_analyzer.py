"""The analyzer against the real app: clusters, their explanation, bounds, increments."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.agents.conftest import AgentRunner
from vtoc import schemas as s
from vtoc.client import NotFound, VtocClient


def report(api: VtocClient, body: str, **fields: object) -> s.Intel:
    return api.intel.create(title=body[:40], body=body, **fields)


def clusters(api: VtocClient) -> list[list[int]]:
    return sorted(c.report_ids for c in api.correlations(limit=500).items)


def test_reports_sharing_indicators_form_one_explained_cluster(
    runner: AgentRunner, operator: VtocClient
) -> None:
    a = report(operator, "Beacon from 203.0.113.7 seen at the gate")
    b = report(operator, "Host 203.0.113.7 resolved evil-c2.example.net")
    c = report(operator, "DNS lookups for evil-c2.example.net from the depot")
    loner = report(operator, "Scan from 198.51.100.9")
    local1 = report(operator, "Service bound on 127.0.0.1 failed")
    local2 = report(operator, "Another failure on 127.0.0.1")

    run = runner.run("analyzer")

    assert clusters(operator) == [[a.id, b.id, c.id]]
    [cluster] = operator.correlations().items
    assert {(i.kind, i.value) for i in cluster.indicators} == {
        ("ipv4", "203.0.113.7"),
        ("domain", "evil-c2.example.net"),
    }
    why = operator.correlated(a.id)
    assert why.correlation is not None and why.correlation.id == cluster.id
    shared = {r.report.id: [(i.kind, i.value) for i in r.shared] for r in why.reports}
    assert shared == {b.id: [("ipv4", "203.0.113.7")], c.id: []}  # c only through b
    assert operator.correlated(loner.id).correlation is None
    assert operator.correlated(local1.id).reports == []
    assert run.stats["reports"] == 6 and run.stats["high_water"] == local2.id
    assert run.stats["skipped_indicators"] == 1  # 127.0.0.1 is on the ignore list


def test_techniques_and_cves_link_nothing_unless_configured(
    runner: AgentRunner, operator: VtocClient
) -> None:
    """Brute force from two attackers shares only the technique; two probes only the CVE."""
    one = report(operator, "sshd brute force (T1110.001) from 203.0.113.7")
    two = report(operator, "sshd brute force (T1110.001) from 198.51.100.9")
    probe = report(operator, "CVE-2024-3094 probe from 192.0.2.10")

    runner.run("analyzer")
    assert clusters(operator) == []

    runner.configure("analyzer", link_kinds=["mitre", "cve"])
    later = report(operator, "CVE-2024-3094 exploited after brute force (T1110.001)")
    runner.run("analyzer")
    assert clusters(operator) == [[one.id, two.id, probe.id, later.id]]


def test_an_indicator_over_the_fanout_limit_links_nothing(
    runner: AgentRunner, operator: VtocClient
) -> None:
    runner.configure("analyzer", fanout_limit=2)
    for n in range(3):
        report(operator, f"Proxy 192.0.2.50 noted, case {n}")
    first = report(operator, "Phish from bad@phish.example.org")
    second = report(operator, "Again bad@phish.example.org wrote")

    runner.run("analyzer")

    assert clusters(operator) == [[first.id, second.id]]


def test_a_run_without_new_reports_changes_nothing(
    runner: AgentRunner, operator: VtocClient
) -> None:
    report(operator, "Beacon from 203.0.113.7")
    report(operator, "Again 203.0.113.7")
    runner.run("analyzer")
    before = operator.correlations().items
    last_event = operator.events.list(limit=1000).items[-1].id

    again = runner.run("analyzer")

    assert operator.correlations().items == before
    later = [e.kind for e in operator.events.list(after=last_event).items]
    assert later == ["agent.triggered", "agent.run_started", "agent.run_finished"]
    assert again.stats["reports"] == 0


def test_clusters_grow_merge_and_escalate_once(runner: AgentRunner, operator: VtocClient) -> None:
    runner.configure("analyzer", cluster_size_threshold=4)
    a = report(operator, "Beacon from 203.0.113.7", severity="low")
    b = report(operator, "Again 203.0.113.7", severity="medium")
    c = report(operator, "Malware hash 44d88612fea8a8f36de82e1278abb02f")
    d = report(operator, "Dropped 44d88612fea8a8f36de82e1278abb02f")
    runner.run("analyzer")
    assert clusters(operator) == [[a.id, b.id], [c.id, d.id]]

    bridge = report(operator, "203.0.113.7 served 44d88612fea8a8f36de82e1278abb02f")
    run = runner.run("analyzer")

    members = [a.id, b.id, c.id, d.id, bridge.id]
    assert clusters(operator) == [members]  # two clusters merged into one
    [cluster] = operator.correlations().items
    assert run.stats["clusters_escalated"] == 1
    assert operator.intel.get(a.id).severity == "medium"  # one step up
    assert operator.intel.get(b.id).severity == "high"
    summary = operator.intel.get(cluster.summary_report_id or 0)
    assert summary.source == "agent" and summary.indicators == []
    assert f"{len(members)} linked reports" in summary.title

    report(operator, "Later 203.0.113.7 again")
    runner.run("analyzer")
    assert len(operator.intel.list(source=["agent"]).items) == 1  # still one summary
    assert operator.intel.get(a.id).severity == "medium"

    # a retried escalation (a lost answer, a second analyzer) returns the summary, raises nothing
    assert operator.correlation_escalate(cluster.id).id == summary.id
    assert [operator.intel.get(r).severity for r in (a.id, b.id)] == ["medium", "high"]
    with pytest.raises(NotFound):
        operator.correlation_escalate(cluster.id + 1000)


def test_a_cluster_touching_an_operation_links_the_others(
    runner: AgentRunner, operator: VtocClient
) -> None:
    op = operator.operations.create(name="Harbor", code="OPH-1")
    a = report(operator, "Beacon from 203.0.113.7", operation_id=op.id)
    b = report(operator, "Again 203.0.113.7")
    runner.run("analyzer")
    assert operator.intel.get(b.id).operation_id == op.id
    assert operator.intel.get(a.id).operation_id == op.id


def test_reports_outside_the_window_do_not_link(runner: AgentRunner, operator: VtocClient) -> None:
    old = datetime.now(UTC) - timedelta(days=30)
    report(operator, "Beacon from 203.0.113.7", observed_at=old.isoformat())
    report(operator, "Again 203.0.113.7")
    runner.run("analyzer")
    assert clusters(operator) == []


def test_a_retried_increment_changes_no_membership(
    runner: AgentRunner, operator: VtocClient
) -> None:
    a = report(operator, "Beacon from 203.0.113.7")
    b = report(operator, "Again 203.0.113.7")
    request = s.CorrelationRun(after=0)

    async def twice() -> tuple[s.CorrelationRunResult, s.CorrelationRunResult]:
        async with runner.connect() as client:
            return await client.correlation_run(request), await client.correlation_run(request)

    first, again = asyncio.run(twice())

    assert first.reports == again.reports == 2 and first.high_water == again.high_water == b.id
    assert clusters(operator) == [[a.id, b.id]]  # the retry grew the same cluster, no other
    merged = operator.events.list(kind="correlation.merged", limit=50).items
    assert len(merged) == 1, "a retry that changes no cluster is no news on the event log"
    why = operator.correlated(b.id)
    assert [(r.report.id, [i.value for i in r.shared]) for r in why.reports] == [
        (a.id, ["203.0.113.7"])
    ]


def test_links_follow_each_reports_own_window(runner: AgentRunner, operator: VtocClient) -> None:
    now = datetime.now(UTC)
    at = {days: (now - timedelta(days=days)).isoformat() for days in (12, 6, 0)}
    old = report(operator, "Beacon from 203.0.113.7", observed_at=at[12])
    middle = report(operator, "Again 203.0.113.7", observed_at=at[6])
    latest = report(operator, "Still 203.0.113.7", observed_at=at[0])

    runner.run("analyzer")

    # One batch, three windows: latest links to middle (6 days before it) but not to old
    # (12 days); old joins the cluster through middle, 6 days after it.
    assert clusters(operator) == [[old.id, middle.id, latest.id]]
    assert run_links(runner, after=0) == 2


def run_links(runner: AgentRunner, after: int) -> int:
    async def increment() -> s.CorrelationRunResult:
        async with runner.connect() as client:
            return await client.correlation_run(s.CorrelationRun(after=after))

    return asyncio.run(increment()).links


def test_a_deleted_member_leaves_its_cluster(
    runner: AgentRunner, operator: VtocClient, admin: VtocClient
) -> None:
    a = report(operator, "Beacon from 203.0.113.7")
    b = report(operator, "Again 203.0.113.7")
    runner.run("analyzer")
    admin.intel.delete(a.id)

    c = report(operator, "Later 203.0.113.7")
    runner.run("analyzer")

    assert clusters(operator) == [[b.id, c.id]]


def test_a_bad_increment_request_names_the_field(operator: VtocClient) -> None:
    response = operator.http.post("/api/v1/correlations/run", json={"after": 0, "limit": 0})
    assert response.status_code == 422
    assert [e.field for e in s.Problem.model_validate(response.json()).errors] == ["limit"]
