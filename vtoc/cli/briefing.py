"""The situation report written as Markdown a commander can read in a minute."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from vtoc.schemas import AgentHealthState, AssetStatus, MissionStatus, Severity, Sitrep

MISSION_STATES = list(MissionStatus)
SEVERITIES = list(reversed(Severity))
ASSET_STATES = list(AssetStatus)


def cell(value: object) -> str:
    return str(value).replace("|", r"\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def when(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d %H:%MZ") if ts else "never"


def counts(found: Mapping[str, int], order: Sequence[str]) -> str:
    parts = [f"{found[k]} {k.replace('_', ' ')}" for k in order if found.get(k)]
    return ", ".join(parts) or "none"


def bottom_line(r: Sitrep) -> list[str]:
    ops = {o.status for o in r.operations}
    by_status = {str(s): sum(o.status == s for o in r.operations) for s in ops}
    missions = {str(k): sum(o.missions.get(k, 0) for o in r.operations) for k in MISSION_STATES}
    top = r.top_indicators[0] if r.top_indicators else None
    fine = (AgentHealthState.ok, AgentHealthState.disabled)
    unhealthy = [a for a in r.agents if a.health not in fine]
    lines = [
        f"- **Operations:** {counts(by_status, sorted(by_status))}; "
        f"{sum(missions.values())} missions ({counts(missions, MISSION_STATES)}).",
        f"- **Overdue:** {len(r.overdue)} mission{'s' * (len(r.overdue) != 1)} past due.",
        f"- **Assets:** {counts(r.assets, ASSET_STATES)}"
        + (
            f"; unreachable: {', '.join(r.unreachable_assets[:8])}."
            if r.unreachable_assets
            else "."
        ),
        f"- **Intel ({r.hours} h):** {r.intel_total} reports"
        + (f" — {counts(r.intel_by_severity, SEVERITIES)}" if r.intel_total else "")
        + (f"; most shared indicator `{top.value}` in {top.reports} reports." if top else "."),
        f"- **Agents:** {sum(a.health is AgentHealthState.ok for a in r.agents)}"
        f" of {len(r.agents)} healthy"
        + ("; " + ", ".join(f"{a.name} {a.health}" for a in unhealthy) + "." if unhealthy else "."),
    ]
    return [*lines, ""]


def markdown(r: Sitrep, server: str) -> str:
    out = [
        f"# SITREP {when(r.generated_at)}",
        "",
        f"*Scope:* {r.scope} · *Intel window:* last {r.hours} h · *Source:* {server}",
        "",
        "## Bottom line",
        "",
        *bottom_line(r),
        "## Operations",
        "",
    ]
    out += table(
        ["Code", "Operation", "Status", "Priority", "Commander", "Missions", "Breakdown"],
        (
            [
                o.code,
                o.name,
                o.status,
                o.priority,
                o.commander or "-",
                sum(o.missions.values()),
                counts(o.missions, MISSION_STATES),
            ]
            for o in r.operations
        ),
    )
    out += ["## Asset readiness", ""]
    out += table(["Status", "Assets"], ([k, r.assets.get(k, 0)] for k in ASSET_STATES))
    if r.unreachable_assets:
        out += [f"Unreachable: {', '.join(r.unreachable_assets)}", ""]
    out += [f"## Intelligence, last {r.hours} h", ""]
    out += table(["Severity", "Reports"], ([k, r.intel_by_severity.get(k, 0)] for k in SEVERITIES))
    if r.top_indicators:
        out += ["### Top shared indicators", ""]
        out += table(
            ["Indicator", "Kind", "Reports"],
            ([f"`{i.value}`", i.kind, i.reports] for i in r.top_indicators),
        )
    if r.notable_intel:
        out += ["### Critical and high", ""]
        out += [
            f"- **{i.severity.upper()}** #{i.id} {cell(i.title)} ({when(i.observed_at)}"
            + (f", seen {i.occurrences} times" if i.occurrences > 1 else "")
            + ")"
            for i in r.notable_intel
        ]
        out += [""]
    out += ["## Overdue missions", ""]
    if r.overdue:
        out += table(
            ["Mission", "Operation", "Status", "Due", "Overdue by"],
            (
                [f"#{m.id} {m.name}", m.operation, m.status, when(m.due_at), f"{m.hours_overdue} h"]
                for m in r.overdue
            ),
        )
    else:
        out += ["None.", ""]
    out += ["## Open watch items", ""]
    out += [
        f"- **{i.severity.upper()}** #{i.id} {cell(i.title)}"
        + (" — past its acknowledgement deadline" if i.overdue else "")
        for i in r.unacknowledged
    ] or ["No unacknowledged reports."]
    out += ["", f"## Journal, last {r.hours} h", ""]
    out += [
        f"- {when(e.occurred_at)} {e.kind} by {cell(e.author)}: {cell(e.text)}" for e in r.journal
    ] or ["No entries."]
    out += ["", "## Agent health", ""]
    out += table(
        ["Agent", "Kind", "Health", "Last run", "Result", "Summary"],
        (
            [
                a.name,
                a.kind,
                a.health,
                when(a.last_run_at),
                a.last_status or "-",
                a.last_summary or "-",
            ]
            for a in r.agents
        ),
    )
    return "\n".join(out)
