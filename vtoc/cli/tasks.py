"""``vtoc tasks``: queued actions the executor agent carries out."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from vtoc.cli.commands import Flag, add_create, add_list, add_update, any_of
from vtoc.cli.output import columns
from vtoc.cli.params import add_show_delete, bounds
from vtoc.schemas import TaskAction, TaskStatus, TaskUpdate

app = typer.Typer(help="Tasks: queue, cancel, requeue.", no_args_is_help=True)
COLUMNS = columns(
    "id", "action", "status", "attempts", "max_attempts", "run_after", "last_error", "params"
)
SCHEDULE = [
    Flag(
        "run_after",
        Annotated[str | None, typer.Option(help="Not before (ISO 8601 with a time zone).")],
    ),
    Flag(
        "max_attempts",
        Annotated[
            int | None,
            typer.Option(**bounds(TaskUpdate, "max_attempts"), help="Give up after N tries."),
        ],
    ),
]


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


add_list(
    app,
    "tasks",
    COLUMNS,
    [
        any_of("status", TaskStatus),
        any_of("action", TaskAction),
    ],
    """List tasks, newest first.

    Example: vtoc tasks list --status failed --status queued
    """,
)
add_create(
    app,
    "tasks",
    [
        Flag("action", Annotated[TaskAction | None, typer.Option(help="What to do.")]),
        Flag(
            "param",
            Annotated[list[str] | None, typer.Option(help="KEY=VALUE for the action; repeatable.")],
            "params",
            lambda _api, pairs: parse_params(pairs),
        ),
        *SCHEDULE,
    ],
    """Queue a task.

    Example: vtoc tasks create --action set_status --param mission=12 --param status=completed
    """,
)
add_update(
    app,
    "tasks",
    [
        Flag("status", Annotated[TaskStatus | None, typer.Option(help="cancelled or queued.")]),
        *SCHEDULE,
    ],
    """Cancel, requeue or reschedule a task.

    Example: vtoc tasks update 7 --status cancelled
    """,
)
add_show_delete(app, "tasks", "task", "7")
