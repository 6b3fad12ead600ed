"""``vtoc ops``: operations, the top of the hierarchy (code ``OP-0007``)."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.output import Format, columns
from vtoc.cli.params import (
    AllOpt,
    FileOpt,
    IfVersionOpt,
    JsonOpt,
    LimitOpt,
    OutputOpt,
    Ref,
    SearchOpt,
    add_show_delete,
    create_or_update,
    list_rows,
    output_format,
    read_body,
)
from vtoc.cli.session import client
from vtoc.schemas import OperationStatus, Priority

app = typer.Typer(help="Operations: list, show, create, update, delete.", no_args_is_help=True)
COLUMNS = columns("code", "name", "status", "priority", "commander", "start_at", "updated_at")

Status = Annotated[OperationStatus | None, typer.Option(help="Lifecycle status.")]
Prio = Annotated[Priority | None, typer.Option(help="Priority.")]
Text = Annotated[str | None, typer.Option()]
When = Annotated[str | None, typer.Option(help="ISO 8601 with a time zone.")]


@app.command("list")
def list_(
    status: Annotated[list[OperationStatus] | None, typer.Option(help="Repeatable.")] = None,
    priority: Annotated[list[Priority] | None, typer.Option(help="Repeatable.")] = None,
    query: SearchOpt = None,
    limit: LimitOpt = 50,
    every: AllOpt = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """List operations, newest first.

    Example: vtoc ops list --status active --status paused -o json
    """
    with client() as api:
        filters = {"status": status, "priority": priority, "q": query}
        list_rows(
            api.operations,
            COLUMNS,
            output_format(output, as_json),
            limit=limit,
            every=every,
            filters=filters,
        )


@app.command()
def create(
    name: Text = None,
    code: Annotated[str | None, typer.Option(help="e.g. OP-0042; generated if omitted.")] = None,
    description: Text = None,
    status: Status = None,
    priority: Prio = None,
    commander: Text = None,
    start_at: When = None,
    end_at: When = None,
    file: FileOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Create an operation from flags or a file.

    Example: vtoc ops create --name "Northern Watch" --priority high --status active
    """
    body = read_body(
        file,
        dict(
            name=name,
            code=code,
            description=description,
            status=status,
            priority=priority,
            commander=commander,
            start_at=start_at,
            end_at=end_at,
        ),
    )
    with client() as api:
        create_or_update(
            api.operations.create, body, output_format(output, as_json), changing=False
        )


@app.command()
def update(
    ref: Ref,
    name: Text = None,
    description: Text = None,
    status: Status = None,
    priority: Prio = None,
    commander: Text = None,
    start_at: When = None,
    end_at: When = None,
    file: FileOpt = None,
    if_version: IfVersionOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Change an operation; only the fields given are touched.

    Example: vtoc ops update OP-0001 --status completed --if-version 3
    """
    body = read_body(
        file,
        dict(
            name=name,
            description=description,
            status=status,
            priority=priority,
            commander=commander,
            start_at=start_at,
            end_at=end_at,
        ),
    )
    with client() as api:
        create_or_update(
            lambda b: api.operations.update(ref, b, version=if_version),
            body,
            output_format(output, as_json),
            changing=True,
        )


add_show_delete(app, "operations", "operation", "OP-0001", group="ops")
