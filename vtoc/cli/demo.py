"""``vtoc demo``: fill a database with a believable scenario to explore."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command()
def seed(
    reports: Annotated[int, typer.Option(min=0, help="How many intel reports.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same scenario.")] = 7,
) -> None:
    """Seed the database named by VTOC_DATABASE_URL (migrating it first).

    Example: vtoc demo seed --reports 1000 --seed 42
    """
    from vtoc.server.bootstrap import seed_demo

    counts = seed_demo(reports=reports, seed=seed)
    typer.echo(", ".join(f"{n} {what}" for what, n in counts.items()))
