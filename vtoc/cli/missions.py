"""``vtoc missions``: the work inside an operation, and which assets carry it out."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.commands import (
    OPERATION,
    Flag,
    add_create,
    add_list,
    add_update,
    any_of,
    moment,
    reference,
    references,
)
from vtoc.cli.output import Column, Format, columns, render_one
from vtoc.cli.params import JsonOpt, OutputOpt, add_show_delete, output_format, resolve_id
from vtoc.cli.session import client
from vtoc.schemas import MissionStatus, Priority
from vtoc.when import FORMS

app = typer.Typer(help="Missions: list, create, assign assets.", no_args_is_help=True)
COLUMNS = [
    *columns("id", "operation_id", "name", "status", "priority", "due_at"),
    Column("ASSETS", "asset_ids"),
]

Text = Annotated[str | None, typer.Option()]
FIELDS = [
    Flag("name", Text),
    Flag("objective", Text),
    Flag("status", Annotated[MissionStatus | None, typer.Option(help="Mission status.")]),
    Flag("priority", Annotated[Priority | None, typer.Option(help="Priority.")]),
    Flag("due_at", Annotated[str | None, typer.Option(help=f"{FORMS}.")], convert=moment),
]
ASSETS = Flag(
    "asset",
    Annotated[list[str] | None, typer.Option("--asset", help="Asset id or name; repeatable.")],
    "asset_ids",
    references("assets"),
)
Overdue = Annotated[
    bool | None, typer.Option("--overdue/--not-overdue", help="Past due and not finished.")
]

add_list(
    app,
    "missions",
    COLUMNS,
    [
        OPERATION,
        Flag(
            "asset",
            Annotated[str | None, typer.Option(help="Only missions with this asset.")],
            "asset_id",
            reference("assets"),
        ),
        any_of("status", MissionStatus),
        any_of("priority", Priority),
        Flag("overdue", Overdue),
    ],
    """List missions, newest first.

    Example: vtoc missions list --operation OP-0001 --overdue --all -o csv
    """,
)
add_create(
    app,
    "missions",
    [OPERATION, *FIELDS, ASSETS],
    """Create a mission in an operation.

    Example: vtoc missions create --operation OP-0001 --name "Patrol sector 4" --asset Ranger-01
    """,
)
add_update(
    app,
    "missions",
    FIELDS,
    """Change a mission; only the fields given are touched.

    Example: vtoc missions update 12 --status in_progress
    """,
)

MissionArg = Annotated[str, typer.Argument(help="Mission id or name.", show_default=False)]
AssetArg = Annotated[str, typer.Argument(help="Asset id or name.", show_default=False)]


def add_assignment(name: str, assigned: bool, doc: str) -> None:
    """``assign`` and ``unassign``: one request, with the asset on the mission or off it."""

    def command(
        mission: MissionArg,
        asset: AssetArg,
        output: OutputOpt = Format.table,
        as_json: JsonOpt = False,
    ) -> None:
        with client() as api:
            asset_id = resolve_id(api.assets, asset)
            assert asset_id is not None
            fmt = output_format(output, as_json)
            render_one(api.assign_asset(mission, asset_id, assigned=assigned), fmt)

    command.__doc__ = doc
    app.command(name)(command)


add_assignment(
    "assign",
    True,
    """Put an asset on a mission (nothing happens if it already is).

    Example: vtoc missions assign 12 Hawk-02
    """,
)
add_assignment(
    "unassign",
    False,
    """Take an asset off a mission.

    Example: vtoc missions unassign 12 Hawk-02
    """,
)

add_show_delete(app, "missions", "mission", "12")
