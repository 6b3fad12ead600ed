"""``vtoc ops``: operations, the top of the hierarchy (code ``OP-0007``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from vtoc.cascade import delete_question, label_of
from vtoc.cli.commands import Flag, add_create, add_list, add_update, moment
from vtoc.cli.output import columns
from vtoc.cli.params import add_show_delete
from vtoc.schemas import OperationStatus, Priority
from vtoc.when import FORMS

if TYPE_CHECKING:
    from vtoc.client import VtocClient

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
        Flag("status", Annotated[list[OperationStatus] | None, typer.Option(help="Repeatable.")]),
        Flag("priority", Annotated[list[Priority] | None, typer.Option(help="Repeatable.")]),
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


def ask_delete(api: VtocClient, ref: str) -> str:
    """The question names the missions the server deletes with the operation."""
    operation = api.operations.get(ref)
    count = sum(1 for _ in api.missions.iterate(operation_id=operation.id, limit=500))
    return delete_question("operation", label_of(operation), count)


add_show_delete(app, "operations", "operation", "OP-0001", group="ops", asking=ask_delete)
