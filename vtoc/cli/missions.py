"""``vtoc missions``: the work inside an operation, and which assets carry it out."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.output import Column, Format, columns, render_one
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
    resolve_id,
)
from vtoc.cli.session import client
from vtoc.schemas import MissionStatus, Priority

app = typer.Typer(help="Missions: list, create, assign assets.", no_args_is_help=True)
COLUMNS = [
    *columns("id", "operation_id", "name", "status", "priority", "due_at"),
    Column("ASSETS", "asset_ids"),
]

Status = Annotated[MissionStatus | None, typer.Option(help="Mission status.")]
Prio = Annotated[Priority | None, typer.Option(help="Priority.")]
Text = Annotated[str | None, typer.Option()]
Due = Annotated[str | None, typer.Option(help="ISO 8601 with a time zone.")]
OperationRef = Annotated[str | None, typer.Option("--operation", help="Operation id or code.")]
AssetRefs = Annotated[
    list[str] | None, typer.Option("--asset", help="Asset id or name; repeatable.")
]


@app.command("list")
def list_(
    operation: OperationRef = None,
    asset: Annotated[str | None, typer.Option(help="Only missions with this asset.")] = None,
    status: Annotated[list[MissionStatus] | None, typer.Option(help="Repeatable.")] = None,
    priority: Annotated[list[Priority] | None, typer.Option(help="Repeatable.")] = None,
    overdue: Annotated[
        bool | None, typer.Option("--overdue/--not-overdue", help="Past due and not finished.")
    ] = None,
    query: SearchOpt = None,
    limit: LimitOpt = 50,
    every: AllOpt = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """List missions.

    Example: vtoc missions list --operation OP-0001 --overdue --all -o csv
    """
    with client() as api:
        filters = {
            "operation_id": resolve_id(api.operations, operation),
            "asset_id": resolve_id(api.assets, asset),
            "status": status,
            "priority": priority,
            "overdue": overdue,
            "q": query,
        }
        fmt = output_format(output, as_json)
        list_rows(api.missions, COLUMNS, fmt, limit=limit, every=every, filters=filters)


@app.command()
def create(
    operation: OperationRef = None,
    name: Text = None,
    objective: Text = None,
    status: Status = None,
    priority: Prio = None,
    due_at: Due = None,
    asset: AssetRefs = None,
    file: FileOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Create a mission in an operation.

    Example: vtoc missions create --operation OP-0001 --name "Patrol sector 4" --asset Ranger-01
    """
    with client() as api:
        fields = dict(
            operation_id=resolve_id(api.operations, operation),
            name=name,
            objective=objective,
            status=status,
            priority=priority,
            due_at=due_at,
            asset_ids=[resolve_id(api.assets, a) for a in asset] if asset else None,
        )
        body = read_body(file, fields)
        create_or_update(api.missions.create, body, output_format(output, as_json), changing=False)


@app.command()
def update(
    ref: Ref,
    name: Text = None,
    objective: Text = None,
    status: Status = None,
    priority: Prio = None,
    due_at: Due = None,
    file: FileOpt = None,
    if_version: IfVersionOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Change a mission; only the fields given are touched.

    Example: vtoc missions update 12 --status in_progress
    """
    fields = dict(name=name, objective=objective, status=status, priority=priority, due_at=due_at)
    body = read_body(file, fields)
    with client() as api:
        create_or_update(
            lambda b: api.missions.update(ref, b, version=if_version),
            body,
            output_format(output, as_json),
            changing=True,
        )


MissionArg = Annotated[str, typer.Argument(help="Mission id.", show_default=False)]
AssetArg = Annotated[str, typer.Argument(help="Asset id or name.", show_default=False)]


def set_assignment(mission: str, asset: str, assigned: bool, fmt: Format) -> None:
    with client() as api:
        asset_id = resolve_id(api.assets, asset)
        assert asset_id is not None
        render_one(api.assign_asset(mission, asset_id, assigned=assigned), fmt)


@app.command()
def assign(
    mission: MissionArg,
    asset: AssetArg,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Put an asset on a mission (nothing happens if it already is).

    Example: vtoc missions assign 12 Hawk-02
    """
    set_assignment(mission, asset, True, output_format(output, as_json))


@app.command()
def unassign(
    mission: MissionArg,
    asset: AssetArg,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Take an asset off a mission.

    Example: vtoc missions unassign 12 Hawk-02
    """
    set_assignment(mission, asset, False, output_format(output, as_json))


add_show_delete(app, "missions", "mission", "12")
