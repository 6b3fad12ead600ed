"""``vtoc events``: the audit trail of every write, listed or followed live."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from vtoc.cli.output import Format, columns, dump, is_terminal, pretty, write
from vtoc.cli.params import AllOpt, JsonOpt, OperationOpt, OutputOpt, bounds, output_format
from vtoc.cli.session import client
from vtoc.schemas import EventOrder, EventQuery

if TYPE_CHECKING:
    from vtoc import schemas as s
    from vtoc.client import VtocClient

app = typer.Typer(help="The event log: list or tail it.", no_args_is_help=True)
COLUMNS = columns("id", "ts", "actor", "kind", "entity", "entity_id", "operation_id")

Kind = Annotated[str | None, typer.Option(help="Kind prefix, e.g. 'intel.' or 'mission.updated'.")]
Entity = Annotated[str | None, typer.Option(help="Entity type, e.g. mission.")]


def filters_for(
    kind: str | None, entity: str | None, operation_id: int | None
) -> dict[str, object]:
    return {"kind": kind, "entity": entity, "operation_id": operation_id}


@app.command("list")
def list_(
    after: Annotated[
        int, typer.Option(**bounds(EventQuery, "after"), help="Only events with a larger id.")
    ] = 0,
    kind: Kind = None,
    entity: Entity = None,
    entity_id: Annotated[int | None, typer.Option(help="With --entity: one row's events.")] = None,
    operation: OperationOpt = None,
    limit: Annotated[int, typer.Option(**bounds(EventQuery, "limit"), help="Rows per page.")] = 100,
    every: AllOpt = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """List events oldest first, after an id.

    Example: vtoc events list --after 1200 --kind intel. -o json
    """
    from vtoc.cli.params import list_rows, resolve_id

    with client() as api:
        filters = {
            **filters_for(kind, entity, resolve_id(api.operations, operation)),
            "after": after,
            "entity_id": entity_id,
        }
        fmt = output_format(output, as_json)
        list_rows(api.events, COLUMNS, fmt, limit=limit, every=every, filters=filters)


class StreamFormat(StrEnum):
    """What ``tail`` prints each event as: formats that can go on without an end."""

    table = "table"
    json = "json"
    yaml = "yaml"


def emit(events: Iterable[s.Event], fmt: StreamFormat) -> None:
    """One line (or YAML document) per event, flushed at once, so ``| jq``, ``| yq`` or a
    log shipper sees it live."""
    terminal = fmt is StreamFormat.table and is_terminal()
    for event in events:
        if fmt is StreamFormat.json:
            write(json.dumps(event.model_dump(mode="json"), ensure_ascii=False))
        elif fmt is StreamFormat.yaml:
            write("---\n" + dump(event.model_dump(mode="json"), Format.yaml))
        elif terminal:
            from rich.console import Console

            Console().print(
                f"[dim]{pretty(event.ts)}[/] #{event.id} [bold]{event.kind}[/] "
                f"{event.entity} {event.entity_id or ''} [dim]by {event.actor}[/]"
            )
        else:
            write(
                "\t".join(
                    [
                        str(event.id),
                        event.ts.isoformat(),
                        event.actor,
                        event.kind,
                        event.entity,
                        str(event.entity_id or ""),
                        str(event.operation_id or ""),
                    ]
                )
            )


@app.command()
def tail(
    lines: Annotated[
        int, typer.Option("--lines", "-n", min=0, max=1000, help="Recent events first.")
    ] = 20,
    follow: Annotated[
        bool, typer.Option("--follow", "-F", help="Keep printing new events as they happen.")
    ] = False,
    kind: Kind = None,
    entity: Entity = None,
    operation: OperationOpt = None,
    output: Annotated[
        StreamFormat,
        typer.Option(
            "--output", "-o", help="table (lines), json (NDJSON) or yaml (a document each)."
        ),
    ] = StreamFormat.table,
    as_json: JsonOpt = False,
) -> None:
    """The last events, then (with --follow) new ones as they happen, one line each.

    Example: vtoc events tail --follow --kind intel. -o json | jq .data.title
    """
    from vtoc.cli.params import resolve_id

    fmt = StreamFormat.json if as_json else output
    with client() as api:
        operation_id = resolve_id(api.operations, operation)
        query = filters_for(kind, entity, operation_id)
        # Read before listing: where the stream resumes when no listed event says it.
        start = last_event_id(api) if follow else 0
        newest = api.events.list(order=EventOrder.desc, limit=lines, **query).items if lines else []
        recent = newest[::-1]
        emit(recent, fmt)
        if follow:
            stream = api.stream_events(
                after=recent[-1].id if recent else start,
                kinds=[kind] if kind else None,
                entity=entity,
                operation_id=operation_id,
            )
            try:
                emit(stream, fmt)
            except KeyboardInterrupt:
                return


def last_event_id(api: VtocClient) -> int:
    """The id of the newest event of any kind, 0 for an empty log."""
    newest = api.events.list(order=EventOrder.desc, limit=1).items
    return newest[0].id if newest else 0
