"""The analyzer: incremental correlation of intel reports through shared indicators.

Each run asks the server for the reports after its high-water mark, with the earlier reports
(within a window) that share an indicator, and the clusters those are already in. A
union-find over reports and clusters gives the components to merge. Indicators carried by too
many reports, or on the ignore list, link nothing: that is what keeps the work bounded.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from vtoc import schemas as s
from vtoc.agents.base import SOURCE, Outcome, Run
from vtoc.client import AsyncVtocClient, VtocError

#: values that appear everywhere and mean nothing (MISP-style warning list)
DEFAULT_IGNORE = (
    "127.0.0.1",
    "0.0.0.0",
    "::1",
    "localhost",
    "localhost.localdomain",
    "255.255.255.255",
    "8.8.8.8",
    "1.1.1.1",
    "example.com",
    "d41d8cd98f00b204e9800998ecf8427e",  # md5 of nothing
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # sha256 of nothing
)
SEVERITIES = list(s.Severity)

Node = tuple[str, int]  # ("r", report id) or ("c", cluster id)


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Node, Node] = {}

    def find(self, node: Node) -> Node:
        self.parent.setdefault(node, node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: Node, b: Node) -> None:
        self.parent[self.find(a)] = self.find(b)


def components(batch: s.CorrelationBatch) -> s.CorrelationMerge:
    """The groups to merge: every component that a new link touches."""
    uf = UnionFind()
    for link in batch.links:
        uf.union(("r", link.report_id), ("r", link.other_id))
    for report_id, cluster_id in batch.members.items():
        if ("r", report_id) in uf.parent:
            uf.union(("r", report_id), ("c", cluster_id))
    nodes: dict[Node, list[Node]] = defaultdict(list)
    for node in uf.parent:
        nodes[uf.find(node)].append(node)
    why: dict[Node, set[tuple[str, str]]] = defaultdict(set)
    for link in batch.links:
        why[uf.find(("r", link.report_id))].add((link.kind.value, link.value))
    # One validation for the whole request: a model per group and indicator costs more.
    return s.CorrelationMerge.model_validate(
        {
            "groups": [
                {
                    "report_ids": sorted(n for kind, n in members if kind == "r"),
                    "correlation_ids": sorted(n for kind, n in members if kind == "c"),
                    "indicators": [{"kind": k, "value": v} for k, v in sorted(why[root])],
                }
                for root, members in sorted(nodes.items())
            ]
        }
    )


def raised(severity: s.Severity) -> s.Severity:
    return SEVERITIES[min(severity.rank + 1, len(SEVERITIES) - 1)]


async def escalate(client: AsyncVtocClient, cluster: s.MergedCorrelation) -> int:
    """Raise each member's severity a step and file the cluster's one summary report."""
    for report_id in cluster.report_ids:
        report = await client.intel.get(report_id)
        await client.intel.update(
            report_id, severity=raised(report.severity), version=report.version
        )
    kinds = sorted({i.kind.value for i in cluster.indicators})
    summary = await client.intel.create(
        s.IntelCreate(
            title=f"Correlated cluster {cluster.id}: {len(cluster.report_ids)} linked reports",
            # Values stay out of the text (in raw): the summary must not link into clusters.
            body=(
                f"{len(cluster.report_ids)} reports share {len(cluster.indicators)} indicators "
                f"({', '.join(kinds)}). Reports: {', '.join(map(str, cluster.report_ids))}."
            ),
            source=SOURCE,
            source_ref=f"correlation:{cluster.id}",
            severity=raised(cluster.severity),
            operation_id=cluster.operation_id,
            raw={
                "correlation_id": cluster.id,
                "indicators": [i.model_dump() for i in cluster.indicators],
            },
        )
    )
    await client.correlation_update(cluster.id, s.CorrelationUpdate(summary_report_id=summary.id))
    return summary.id


def crosses(cluster: s.MergedCorrelation, config: dict[str, Any]) -> bool:
    if cluster.summary_report_id is not None:
        return False
    size = int(config.get("cluster_size_threshold", 5))
    severity = s.Severity(config.get("severity_threshold", s.Severity.critical))
    return len(cluster.report_ids) >= size or cluster.severity.rank >= severity.rank


async def apply_effects(
    client: AsyncVtocClient, merged: list[s.MergedCorrelation], config: dict[str, Any]
) -> dict[str, int]:
    escalated = linked = 0
    for cluster in merged:
        for report_id in cluster.unlinked_report_ids:
            await client.intel.update(report_id, operation_id=cluster.operation_id)
            linked += 1
        if crosses(cluster, config):
            try:
                await escalate(client, cluster)
            except VtocError:  # a concurrent edit: the cluster is retried when it next grows
                continue
            escalated += 1
    return {"clusters_escalated": escalated, "reports_linked_to_operation": linked}


def scan_request(config: dict[str, Any], after: int) -> s.CorrelationScan:
    return s.CorrelationScan(
        after=after,
        limit=int(config.get("batch", 10_000)),
        window_seconds=int(float(config.get("window_days", 7)) * 86_400),
        fanout=int(config.get("fanout_limit", 500)),
        ignore=[*DEFAULT_IGNORE, *config.get("ignore", [])],
    )


async def run(ctx: Run) -> Outcome:
    high_water = int(ctx.state.get("high_water", 0))
    totals = dict.fromkeys(
        (
            "reports",
            "links",
            "clusters_touched",
            "clusters_escalated",
            "reports_linked_to_operation",
        ),
        0,
    )
    skipped: set[tuple[str, str]] = set()
    while True:
        batch = await ctx.client.correlation_scan(scan_request(ctx.config, high_water))
        if not batch.reports:
            break
        groups = components(batch)
        merged = await ctx.client.correlation_merge(groups) if groups.groups else []
        for key, value in (await apply_effects(ctx.client, merged, ctx.config)).items():
            totals[key] += value
        totals["reports"] += len(batch.reports)
        totals["links"] += len(batch.links)
        totals["clusters_touched"] += len(merged)
        skipped |= {(i.kind.value, i.value) for i in batch.skipped}
        high_water = batch.high_water
    stats: dict[str, Any] = {**totals, "high_water": high_water, "skipped_indicators": len(skipped)}
    summary = (
        f"{totals['reports']} new reports, {totals['links']} links, "
        f"{totals['clusters_touched']} clusters touched, "
        f"{totals['clusters_escalated']} escalated; high-water {high_water}"
    )
    return Outcome(summary, stats, {"high_water": high_water})
