"""The monitor: server and database health, HTTP targets, stale assets, overdue missions."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx

from vtoc import schemas as s
from vtoc.agents.base import SOURCE, Outcome, Run, utcnow
from vtoc.client import AsyncVtocClient, PreconditionFailed

#: statuses the monitor leaves alone: someone already knows the asset is not in service
QUIET = {s.AssetStatus.unreachable, s.AssetStatus.offline, s.AssetStatus.maintenance}


async def probe(http: httpx.AsyncClient, target: s.MonitorTarget) -> str | None:
    """None when the target answers as expected, else what went wrong."""
    try:
        response = await http.get(target.url, timeout=target.timeout)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}".rstrip(": ")
    if response.status_code != target.expect_status:
        return f"HTTP {response.status_code}, expected {target.expect_status}"
    return None


async def check_targets(ctx: Run, outages: dict[str, int]) -> dict[str, Any]:
    """Probe every target; file one report when an outage starts, forget it when it ends."""
    targets = s.MonitorConfig.model_validate(ctx.config).targets
    async with httpx.AsyncClient(follow_redirects=True) as http:
        problems = await asyncio.gather(*(probe(http, t) for t in targets))
    down, filed, recovered = [], 0, []
    for target, problem in zip(targets, problems, strict=True):
        if problem is None:
            if outages.pop(target.name, None) is not None:
                recovered.append(target.name)
            continue
        down.append(target.name)
        if target.name not in outages:
            report = await ctx.client.intel.create(
                s.IntelCreate(
                    title=f"Monitored target {target.name} is down",
                    body=f"{target.name} ({target.url}) failed its check: {problem}",
                    source=SOURCE,
                    source_ref=f"monitor:{target.name}:{utcnow().isoformat()}",
                    severity=s.Severity.high,
                    raw={"target": target.name, "url": target.url, "problem": problem},
                )
            )
            outages[target.name] = report.id
            filed += 1
    return {"targets": len(targets), "down": down, "reports_filed": filed, "recovered": recovered}


async def mark_stale_assets(client: AsyncVtocClient) -> list[int]:
    """Assets silent past their heartbeat threshold become ``unreachable`` (an event each)."""
    now, marked = utcnow(), []
    async for asset in client.assets.iterate(limit=500):
        if asset.status in QUIET or not asset.heartbeat_seconds or asset.last_seen_at is None:
            continue
        if asset.last_seen_at + timedelta(seconds=asset.heartbeat_seconds) >= now:
            continue
        try:
            await client.assets.update(
                asset.id, status=s.AssetStatus.unreachable, version=asset.version
            )
        except PreconditionFailed:  # it changed meanwhile (a heartbeat?): next run decides
            continue
        marked.append(asset.id)
    return marked


async def health(client: AsyncVtocClient) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        response = await client.http.get("/readyz")
    except httpx.HTTPError as exc:
        return {"server_ready": False, "server_error": type(exc).__name__}
    body = response.json() if response.status_code == 200 else {}
    return {
        "server_ready": response.status_code == 200,
        "readyz_ms": round((time.perf_counter() - started) * 1000, 2),
        "db_latency_ms": body.get("db_latency_ms"),
    }


async def run(ctx: Run) -> Outcome:
    state = ctx.state
    outages: dict[str, int] = dict(state.get("outages", {}))
    stats = await health(ctx.client)
    stats.update(await check_targets(ctx, outages))
    stats["unreachable_assets"] = await mark_stale_assets(ctx.client)
    stats["ack_overdue"] = (await ctx.client.sweep_overdue()).flagged
    overdue = [m.id async for m in ctx.client.missions.iterate(overdue=True, limit=500)]
    known = set(state.get("overdue", []))
    stats["overdue_missions"] = overdue
    stats["newly_overdue"] = [m for m in overdue if m not in known]
    summary = (
        f"server {'ready' if stats['server_ready'] else 'NOT READY'}; "
        f"{len(stats['down'])}/{stats['targets']} targets down; "
        f"{len(stats['unreachable_assets'])} assets unreachable; "
        f"{len(overdue)} missions overdue ({len(stats['newly_overdue'])} new); "
        f"{len(stats['ack_overdue'])} reports newly past their ack deadline"
    )
    return Outcome(summary, stats, {"outages": outages, "overdue": overdue})
