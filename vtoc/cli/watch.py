"""``vtoc ack``, ``vtoc watch``, ``vtoc handover``: what the watch must see to, and passing
the watch to the next operator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from vtoc.cli.output import Format, columns, render
from vtoc.cli.params import JsonOpt, OutputOpt, output_format
from vtoc.cli.session import client
from vtoc.schemas import Severity

if TYPE_CHECKING:
    from vtoc import schemas as s

ACKS = columns("report_id", "acked_by", "acked_at")


def ack(
    reports: Annotated[list[int], typer.Argument(help="Report ids.", show_default=False)],
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Acknowledge intelligence reports: you saw them.

    A report acknowledged already keeps its first acknowledgement.

    Example: vtoc ack 42 43
    """
    with client() as api:
        acks = [api.acknowledge(report) for report in reports]
    render(acks, ACKS, output_format(output, as_json))


INTEL = columns("id", "severity", "title", "deadline", "overdue")
#: the events after which the watch may have changed
CHANGES = ["intel.", "mission.", "task.", "asset."]


def show_watch(current: s.Watch, fmt: Format) -> None:
    from vtoc.cli.missions import COLUMNS as MISSIONS
    from vtoc.cli.output import dump, write
    from vtoc.cli.tasks import COLUMNS as TASKS

    if fmt in (Format.json, Format.yaml):
        write(dump(current.model_dump(mode="json"), fmt))
        return
    total = current.unacknowledged_total
    render(current.unacknowledged, INTEL, fmt, title=f"Unacknowledged reports ({total})")
    render(current.overdue_missions, MISSIONS, fmt, title="Overdue missions")
    render(current.failed_tasks, TASKS, fmt, title="Failed tasks")
    assets = columns("id", "name", "kind", "last_seen_at")
    render(current.unreachable_assets, assets, fmt, title="Unreachable assets")


def watch(
    min_severity: Annotated[
        Severity, typer.Option(help="Unacknowledged reports this bad or worse.")
    ] = Severity.high,
    follow: Annotated[
        bool, typer.Option("--follow", "-F", help="Show it again whenever it may have changed.")
    ] = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """What needs a human now: unacknowledged reports, overdue missions, failures.

    Reports come with their acknowledgement deadline and whether it passed; then overdue
    missions, failed tasks and unreachable assets.

    Example: vtoc watch --follow
    """
    from vtoc.cli.events import last_event_id

    fmt = output_format(output, as_json)
    with client() as api:
        start = last_event_id(api) if follow else 0
        show_watch(api.watch(min_severity=min_severity), fmt)
        if not follow:
            return
        try:
            for _ in api.stream_events(after=start, kinds=CHANGES):
                show_watch(api.watch(min_severity=min_severity), fmt)
        except KeyboardInterrupt:
            return


def handover(
    notes: Annotated[
        str | None, typer.Argument(help="Your notes for the next watch; '-' reads stdin.")
    ] = None,
    op: Annotated[str | None, typer.Option("--op", help="Operation id or code.")] = None,
    accept: Annotated[
        int | None, typer.Option("--accept", help="Take the watch of this handover.")
    ] = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Hand the watch over to the next operator, or --accept a handover as the incoming one.

    The handover is a journal entry with the watch's open items and the entries since the
    last handover.

    Example: vtoc handover "Quiet night; the beacon on FS-01 is still open"
    """
    from vtoc.cli.journal import text_of
    from vtoc.cli.output import render_one
    from vtoc.cli.params import resolve_id

    fmt = output_format(output, as_json)
    with client() as api:
        if accept is not None:
            render_one(api.accept_handover(accept), fmt)
            return
        text = text_of(notes) if notes is not None else None
        row = api.handovers.create(text=text, operation_id=resolve_id(api.operations, op))
        render_one(row, fmt)
