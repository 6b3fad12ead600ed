"""The analyzer: incremental correlation of intel reports through shared indicators.

Each run asks the server, batch after batch, to correlate the reports after its high-water
mark: the server links them to earlier reports (within a window) that share an indicator and
grows the clusters they form, in SQL where the data is (see ``services/correlations``).
Indicators carried by too many reports, or on the ignore list, link nothing: that is what
keeps the work bounded. The agent then applies the effects: operation links, escalations.
"""

from __future__ import annotations

from typing import Any

from vtoc import schemas as s
from vtoc.agents.base import Outcome, Run
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


async def apply_effects(
    client: AsyncVtocClient, clusters: list[s.MergedCorrelation]
) -> dict[str, int]:
    escalated = linked = 0
    for cluster in clusters:
        for report_id in cluster.unlinked_report_ids:
            await client.intel.update(report_id, operation_id=cluster.operation_id)
            linked += 1
        if cluster.summarize:
            try:
                await client.correlation_escalate(cluster.id)
            except VtocError:  # a concurrent edit: the cluster is retried when it next grows
                continue
            escalated += 1
    return {"clusters_escalated": escalated, "reports_linked_to_operation": linked}


def run_request(config: dict[str, Any], after: int) -> s.CorrelationRun:
    settings = s.AnalyzerConfig.model_validate(config)
    return s.CorrelationRun(
        after=after,
        limit=settings.batch,
        window_seconds=int(settings.window_days * 86_400),
        fanout=settings.fanout_limit,
        ignore=[*DEFAULT_IGNORE, *settings.ignore],
        kinds=settings.link_kinds,
        summary_size=settings.cluster_size_threshold,
        summary_severity=settings.severity_threshold,
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
        batch = await ctx.client.correlation_run(run_request(ctx.config, high_water))
        if not batch.reports:
            break
        for key, value in (await apply_effects(ctx.client, batch.clusters)).items():
            totals[key] += value
        totals["reports"] += batch.reports
        totals["links"] += batch.links
        totals["clusters_touched"] += batch.clusters_touched
        skipped |= {(i.kind.value, i.value) for i in batch.skipped}
        high_water = batch.high_water
    stats: dict[str, Any] = {**totals, "high_water": high_water, "skipped_indicators": len(skipped)}
    summary = (
        f"{totals['reports']} new reports, {totals['links']} links, "
        f"{totals['clusters_touched']} clusters touched, "
        f"{totals['clusters_escalated']} escalated; high-water {high_water}"
    )
    return Outcome(summary, stats, {"high_water": high_water})
