"""``vtoc sitrep``: the situation as a briefing: what is running, what is ready, what is new,
what is late and whether the agents are keeping up. Gathered here; written in ``briefing``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import BaseModel

from vtoc.cli.session import client

if TYPE_CHECKING:
    from vtoc import schemas as s
    from vtoc.client import VtocClient


class SitrepFormat(StrEnum):
    md = "md"
    json = "json"


class OperationLine(BaseModel):
    code: str
    name: str
    status: str
    priority: str
    commander: str | None
    missions: dict[str, int]


class IndicatorLine(BaseModel):
    kind: str
    value: str
    reports: int


class IntelLine(BaseModel):
    id: int
    severity: str
    title: str
    observed_at: datetime
    occurrences: int


class OverdueLine(BaseModel):
    id: int
    name: str
    operation: str
    status: str
    due_at: datetime
    hours_overdue: float


class AgentLine(BaseModel):
    name: str
    kind: str
    enabled: bool
    interval_seconds: int
    last_run_at: datetime | None
    last_status: str | None
    last_summary: str | None
    health: str


class JournalLine(BaseModel):
    id: int
    occurred_at: datetime
    author: str
    kind: str
    text: str


class WatchLine(BaseModel):
    id: int
    severity: str
    title: str
    overdue: bool


class Sitrep(BaseModel):
    generated_at: datetime
    server: str
    scope: str
    hours: int
    operations: list[OperationLine]
    assets: dict[str, int]
    unreachable_assets: list[str]
    intel_total: int
    intel_by_severity: dict[str, int]
    top_indicators: list[IndicatorLine]
    notable_intel: list[IntelLine]
    overdue: list[OverdueLine]
    agents: list[AgentLine]
    journal: list[JournalLine]
    unacknowledged: list[WatchLine]


def agent_health(agent: s.Agent, run: s.AgentRun | None, now: datetime) -> str:
    """ok, late, failing, never run or disabled: what an operator must know at a glance."""
    if not agent.enabled:
        return "disabled"
    if run is None or agent.last_run_at is None:
        return "never run"
    if run.status != "ok":
        return "failing"
    late = now - agent.last_run_at > timedelta(seconds=2 * agent.interval_seconds + 60)
    return "late" if late else "ok"


def gather(api: VtocClient, *, operation: str | None, hours: int, top: int = 10) -> Sitrep:
    from vtoc.schemas import Severity

    now = datetime.now(UTC)
    ops = [api.operations.get(operation)] if operation else list(api.operations.iterate(limit=500))
    codes = {op.id: op.code for op in ops}
    scope = {"operation_id": ops[0].id} if operation else {}
    missions = list(api.missions.iterate(limit=500, **scope))
    by_op: dict[int, Counter[str]] = {op.id: Counter() for op in ops}
    for mission in missions:
        by_op.setdefault(mission.operation_id, Counter())[mission.status.value] += 1
    if operation:
        wanted = {a for m in missions for a in m.asset_ids}
        fleet = [a for a in api.assets.iterate(limit=500) if a.id in wanted]
    else:
        fleet = list(api.assets.iterate(limit=500))
    since = now - timedelta(hours=hours)
    reports = list(api.intel.iterate(limit=500, since=since.isoformat(), **scope))
    shared: Counter[tuple[str, str]] = Counter(
        (i.kind.value, i.value)
        for r in reports
        for i in {(x.kind, x.value): x for x in r.indicators}.values()
    )
    notable = sorted(
        (r for r in reports if r.severity.rank >= Severity.high.rank),
        key=lambda r: (-r.severity.rank, -r.observed_at.timestamp()),
    )
    overdue = [m for m in api.missions.iterate(limit=500, overdue=True, **scope) if m.due_at]
    entries = list(api.journal.iterate(limit=500, since=since.isoformat(), **scope))
    watch = api.watch()
    unacked = [r for r in watch.unacknowledged if not operation or r.operation_id == ops[0].id]
    agents = []
    for agent in api.agents.iterate():
        runs = api.agent_runs(agent.name, limit=1).items
        run = runs[0] if runs else None
        agents.append(
            AgentLine(
                name=agent.name,
                kind=agent.kind.value,
                enabled=agent.enabled,
                interval_seconds=agent.interval_seconds,
                last_run_at=agent.last_run_at,
                last_status=run.status.value if run else None,
                last_summary=run.summary if run else None,
                health=agent_health(agent, run, now),
            )
        )
    return Sitrep(
        generated_at=now,
        server=api.base_url,
        scope=f"{ops[0].code} {ops[0].name}" if operation else "all operations",
        hours=hours,
        operations=[
            OperationLine(
                code=op.code,
                name=op.name,
                status=op.status.value,
                priority=op.priority.value,
                commander=op.commander,
                missions=dict(by_op[op.id]),
            )
            for op in ops
        ],
        assets=dict(Counter(a.status.value for a in fleet)),
        unreachable_assets=sorted(a.name for a in fleet if a.status.value == "unreachable"),
        intel_total=len(reports),
        intel_by_severity=dict(Counter(r.severity.value for r in reports)),
        top_indicators=[
            IndicatorLine(kind=kind, value=value, reports=n)
            for (kind, value), n in shared.most_common(top)
            if n > 1
        ],
        notable_intel=[
            IntelLine(
                id=r.id,
                severity=r.severity.value,
                title=r.title,
                observed_at=r.observed_at,
                occurrences=r.occurrences,
            )
            for r in notable[:top]
        ],
        overdue=[
            OverdueLine(
                id=m.id,
                name=m.name,
                operation=codes.get(m.operation_id, str(m.operation_id)),
                status=m.status.value,
                due_at=m.due_at,
                hours_overdue=round((now - m.due_at).total_seconds() / 3600, 1),
            )
            for m in sorted(overdue, key=lambda m: m.due_at or now)
            if m.due_at
        ],
        agents=agents,
        journal=[
            JournalLine(
                id=e.id,
                occurred_at=e.occurred_at,
                author=e.author,
                kind=e.kind.value,
                text=" ".join(e.text.split()),
            )
            for e in sorted(entries, key=lambda e: (e.occurred_at, e.id))
        ],
        unacknowledged=[
            WatchLine(id=r.id, severity=r.severity.value, title=r.title, overdue=r.overdue)
            for r in unacked
        ],
    )


def sitrep(
    operation: Annotated[
        str | None, typer.Option("--operation", help="Only this operation (id or code).")
    ] = None,
    hours: Annotated[int, typer.Option(min=1, max=24 * 90, help="Intel window in hours.")] = 24,
    output: Annotated[
        SitrepFormat, typer.Option("--output", "-o", help="md (Markdown) or json.")
    ] = SitrepFormat.md,
) -> None:
    """A situation report to paste into a briefing: operations, readiness, intel, delays.

    Example: vtoc sitrep --operation OP-0001 --hours 12 > sitrep.md
    """
    from vtoc.cli.briefing import markdown
    from vtoc.cli.output import is_terminal, write
    from vtoc.terminal import printable

    with client() as api:
        report = gather(api, operation=operation, hours=hours)
    if output is SitrepFormat.json:
        write(report.model_dump_json(indent=2))
    elif is_terminal():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(printable(markdown(report))))
    else:
        write(printable(markdown(report)))
