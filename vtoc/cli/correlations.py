"""``vtoc correlations``: clusters of reports the analyzer linked by shared indicators."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from vtoc.cli.output import Column, Format, columns, render, render_one
from vtoc.cli.params import AllOpt, JsonOpt, LimitOpt, OutputOpt, output_format, pages

if TYPE_CHECKING:
    from vtoc import schemas as s

app = typer.Typer(
    help="Correlated intelligence: list, show, of a report, escalate.",
    no_args_is_help=True,
)

CorrelationId = Annotated[int, typer.Argument(help="The correlation's id.", show_default=False)]
ReportId = Annotated[int, typer.Argument(help="The intel report's id.", show_default=False)]


def shown(indicators: list[s.Indicator]) -> str:
    return ", ".join(f"{i.kind}:{i.value}" for i in indicators)


COLUMNS = [
    *columns("id", "severity", "score"),
    Column("REPORTS", "report_ids", lambda row: len(row.report_ids)),
    Column("INDICATORS", "indicators", lambda row: shown(row.indicators)),
    *columns("operation_id", "summary_report_id", "last_seen_at"),
]
LINKED_COLUMNS = [
    Column("REPORT", "report", lambda row: row.report.id),
    Column("SEVERITY", "severity", lambda row: row.report.severity),
    Column("TITLE", "title", lambda row: row.report.title),
    Column("SHARED", "shared", lambda row: shown(row.shared)),
]


@app.command("list")
def list_(
    limit: LimitOpt = 50,
    every: AllOpt = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """The clusters, most recently grown first.

    Example: vtoc correlations list --all -o json
    """
    from vtoc.cli.session import client

    with client() as api:
        rows = pages(lambda cursor: api.correlations(limit=limit, cursor=cursor), every)
    render(rows, COLUMNS, output_format(output, as_json))


@app.command()
def show(
    correlation: CorrelationId, output: OutputOpt = Format.table, as_json: JsonOpt = False
) -> None:
    """One cluster: its reports, the indicators that link them, its summary report.

    Example: vtoc correlations show 7 -o yaml
    """
    from vtoc.cli.session import client

    with client() as api:
        render_one(api.correlation(correlation), output_format(output, as_json))


@app.command("of")
def of_report(report: ReportId, output: OutputOpt = Format.table, as_json: JsonOpt = False) -> None:
    """The reports linked to one report, and the indicators each shares with it.

    The table lists the linked reports; JSON and YAML also carry the cluster.

    Example: vtoc correlations of 42
    """
    from vtoc.cli.session import client

    with client() as api:
        found = api.correlated(report)
    fmt = output_format(output, as_json)
    if fmt in (Format.json, Format.yaml):
        render_one(found, fmt)
    else:
        render(found.reports, LINKED_COLUMNS, fmt)


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
