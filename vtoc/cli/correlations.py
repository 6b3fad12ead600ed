"""``vtoc correlations``: clusters of reports the analyzer linked by shared indicators."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.output import Format, render_one
from vtoc.cli.params import JsonOpt, OutputOpt, output_format

app = typer.Typer(help="Correlated intelligence: escalate a cluster.", no_args_is_help=True)

CorrelationId = Annotated[int, typer.Argument(help="The correlation's id.", show_default=False)]


@app.command()
def escalate(
    correlation: CorrelationId, output: OutputOpt = Format.table, as_json: JsonOpt = False
) -> None:
    """Raise each member report's severity a step and file the cluster's summary report;
    prints the summary. Safe to repeat: an escalated cluster returns its summary unchanged.

    Example: vtoc correlations escalate 7 -o yaml
    """
    from vtoc.cli.session import client

    with client() as api:
        render_one(api.correlation_escalate(correlation), output_format(output, as_json))
