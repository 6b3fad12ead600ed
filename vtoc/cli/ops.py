"""``vtoc ops``: operations, the top of the hierarchy (code ``OP-0007``)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from vtoc.cli.commands import Flag, add_create, add_list, add_update, any_of, moment
from vtoc.cli.output import columns
from vtoc.cli.params import AllOpt, LimitOpt, add_show_delete
from vtoc.cli.session import client
from vtoc.schemas import OperationStatus, Priority, TimelineType
from vtoc.when import FORMS

if TYPE_CHECKING:
    pass

app = typer.Typer(help="Operations: list, show, create, update, delete.", no_args_is_help=True)
COLUMNS = columns("code", "name", "status", "priority", "commander", "start_at", "updated_at")

Text = Annotated[str | None, typer.Option()]
When = Annotated[str | None, typer.Option(help=f"{FORMS}.")]
Code = Annotated[str | None, typer.Option(help="e.g. OP-0042; generated if omitted.")]
FIELDS = [
    Flag("name", Text),
    Flag("description", Text),
    Flag("status", Annotated[OperationStatus | None, typer.Option(help="Lifecycle status.")]),
    Flag("priority", Annotated[Priority | None, typer.Option(help="Priority.")]),
    Flag("commander", Text),
    Flag("start_at", When, convert=moment),
    Flag("end_at", When, convert=moment),
]

add_list(
    app,
    "operations",
    COLUMNS,
    [
        any_of("status", OperationStatus),
        any_of("priority", Priority),
    ],
    """List operations, newest first.

    Example: vtoc ops list --status active --status paused -o json
    """,
)
add_create(
    app,
    "operations",
    [FIELDS[0], Flag("code", Code), *FIELDS[1:]],
    """Create an operation from flags or a file.

    Example: vtoc ops create --name "Northern Watch" --priority high --status active
    """,
)
add_update(
    app,
    "operations",
    FIELDS,
    """Change an operation; only the fields given are touched.

    Example: vtoc ops update OP-0001 --status completed --if-version 3
    """,
)


add_show_delete(app, "operations", "operation", "OP-0001", group="ops")


TIMELINE = columns("at", "type", "kind", "actor", "summary")


class TimelineFormat(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"
    csv = "csv"
    md = "md"


#: the formats the server renders itself, as a whole after-action document
EXPORTS = {TimelineFormat.md: "text/markdown", TimelineFormat.csv: "text/csv"}


@app.command()
def timeline(
    ref: Annotated[str, typer.Argument(help="Operation id or code.", show_default=False)],
    types: Annotated[
        list[TimelineType] | None, typer.Option("--type", help="entry or event; repeatable.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="At or after: -8h, 06:00Z, ISO 8601.")] = None,
    until: Annotated[str | None, typer.Option(help="Before.")] = None,
    author: Annotated[str | None, typer.Option(help="Only this actor's items.")] = None,
    limit: LimitOpt = 50,
    every: AllOpt = False,
    output: Annotated[
        TimelineFormat, typer.Option("--output", "-o", help="table, json, yaml, csv or md.")
    ] = TimelineFormat.table,
) -> None:
    """The operation's journal entries and events in the order they happened; -o md or csv
    gives the whole of it as an after-action document.

    Example: vtoc ops timeline OP-0001 --since -12h -o md > after-action.md
    """
    from vtoc.cli.output import Format, render, write
    from vtoc.cli.params import pages, parse_time

    filters = {
        "types": types,
        "since": parse_time(since, "--since"),
        "until": parse_time(until, "--until"),
        "author": author,
    }
    with client() as api:
        if output in EXPORTS:
            write(api.timeline_export(ref, EXPORTS[output], **filters))
            return
        items = pages(lambda at: api.timeline(ref, limit=limit, cursor=at, **filters), every)
        render(items, TIMELINE, Format(output))
