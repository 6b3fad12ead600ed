"""``vtoc agents``: the background agents: see them, tune them, trigger them, run them."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.commands import Flag, add_update
from vtoc.cli.output import Format, columns, render, render_one
from vtoc.cli.params import (
    AllOpt,
    JsonOpt,
    LimitOpt,
    OutputOpt,
    Ref,
    add_show_delete,
    bounds,
    output_format,
    pages,
)
from vtoc.cli.session import client, current
from vtoc.schemas import AgentUpdate
from vtoc.validation import bounds as stated

#: the server's rule, stated where it is made (the schema), not a CLI rule of its own
EVERY = stated(AgentUpdate, "interval_seconds")

app = typer.Typer(help="Agents: list, tune, trigger, run a worker.", no_args_is_help=True)
COLUMNS = columns(
    "name", "kind", "enabled", "interval_seconds", "last_run_at", "next_run_at", "lease_owner"
)
RUN_COLUMNS = columns("id", "status", "started_at", "finished_at", "worker", "summary")


@app.command("list")
def list_(output: OutputOpt = Format.table, as_json: JsonOpt = False) -> None:
    """List the agents and when they last and next run.

    Example: vtoc agents list -o yaml
    """
    with client() as api:
        render(list(api.agents.iterate()), COLUMNS, output_format(output, as_json))


add_update(
    app,
    "agents",
    [
        Flag(
            "interval",
            Annotated[
                int | None,
                typer.Option(
                    "--interval",
                    **bounds(AgentUpdate, "interval_seconds"),
                    help=f"Seconds between runs, {EVERY}.",
                ),
            ],
            "interval_seconds",
        ),
        Flag(
            "enabled",
            Annotated[
                bool | None, typer.Option("--enable/--disable", help="Switch the agent on or off.")
            ],
        ),
    ],
    """Tune an agent: its interval, whether it runs, its config (with -f).

    Example: vtoc agents update monitor --interval 120 --enable
    """,
)


@app.command()
def trigger(ref: Ref, output: OutputOpt = Format.table, as_json: JsonOpt = False) -> None:
    """Ask for a run now instead of at the next interval.

    Example: vtoc agents trigger analyzer
    """
    with client() as api:
        render_one(api.trigger_agent(ref), output_format(output, as_json))


@app.command()
def runs(
    ref: Ref,
    limit: LimitOpt = 20,
    every: AllOpt = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """An agent's recent runs, newest first.

    Example: vtoc agents runs monitor --limit 5
    """
    with client() as api:
        rows = pages(lambda cursor: api.agent_runs(ref, limit=limit, cursor=cursor), every)
    render(rows, RUN_COLUMNS, output_format(output, as_json))


@app.command()
def run(
    once: Annotated[bool, typer.Option("--once", help="One pass over due agents, then exit.")] = (
        False
    ),
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this agent; repeatable.")
    ] = None,
    worker_id: Annotated[
        str | None, typer.Option("--worker-id", help="Lease owner name (default host:pid).")
    ] = None,
) -> None:
    """Run an agent worker against the server of the current context.

    Example: vtoc agents run --once --only monitor
    """
    from vtoc.agents.worker import main  # type: ignore[import-not-found,unused-ignore]

    main(once=once, only=only, worker_id=worker_id, context=current.context)


add_show_delete(app, "agents", "agent", "monitor", delete=False)
