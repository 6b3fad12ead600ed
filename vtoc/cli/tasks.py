"""``vtoc tasks``: queued actions the executor agent carries out."""

from __future__ import annotations

import json
from typing import Annotated, Any

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
from vtoc.schemas import TaskAction, TaskStatus

app = typer.Typer(help="Tasks: queue, cancel, requeue.", no_args_is_help=True)
COLUMNS = columns(
    "id", "action", "status", "attempts", "max_attempts", "run_after", "last_error", "params"
)
When = Annotated[str | None, typer.Option(help="Not before (ISO 8601 with a time zone).")]
Attempts = Annotated[int | None, typer.Option(min=1, max=50, help="Give up after N tries.")]


def parse_params(pairs: list[str] | None) -> dict[str, Any] | None:
    """``KEY=VALUE`` pairs; a value that reads as JSON (numbers, true, lists) is taken as such."""
    if not pairs:
        return None
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--param")
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


@app.command("list")
def list_(
    status: Annotated[list[TaskStatus] | None, typer.Option(help="Repeatable.")] = None,
    action: Annotated[list[TaskAction] | None, typer.Option(help="Repeatable.")] = None,
    query: SearchOpt = None,
    limit: LimitOpt = 50,
    every: AllOpt = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """List tasks.

    Example: vtoc tasks list --status failed --status queued
    """
    with client() as api:
        filters = {"status": status, "action": action, "q": query}
        fmt = output_format(output, as_json)
        list_rows(api.tasks, COLUMNS, fmt, limit=limit, every=every, filters=filters)


@app.command()
def create(
    action: Annotated[TaskAction | None, typer.Option(help="What to do.")] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE for the action; repeatable.")
    ] = None,
    run_after: When = None,
    max_attempts: Attempts = None,
    file: FileOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Queue a task.

    Example: vtoc tasks create --action set_status --param mission=12 --param status=completed
    """
    fields = dict(
        action=action, params=parse_params(param), run_after=run_after, max_attempts=max_attempts
    )
    body = read_body(file, fields)
    with client() as api:
        create_or_update(api.tasks.create, body, output_format(output, as_json), changing=False)


@app.command()
def update(
    ref: Ref,
    status: Annotated[TaskStatus | None, typer.Option(help="cancelled or queued.")] = None,
    run_after: When = None,
    max_attempts: Attempts = None,
    file: FileOpt = None,
    if_version: IfVersionOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Cancel, requeue or reschedule a task.

    Example: vtoc tasks update 7 --status cancelled
    """
    body = read_body(file, dict(status=status, run_after=run_after, max_attempts=max_attempts))
    with client() as api:
        create_or_update(
            lambda b: api.tasks.update(ref, b, version=if_version),
            body,
            output_format(output, as_json),
            changing=True,
        )


add_show_delete(app, "tasks", "task", "7")
