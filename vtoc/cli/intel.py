"""``vtoc intel``: intelligence reports, filtered the way an analyst triages them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from vtoc.cli.output import Column, Format, columns
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
from vtoc.schemas import TLP, IntelSource, Severity

if TYPE_CHECKING:
    from vtoc.client import VtocClient

app = typer.Typer(help="Intelligence reports: list, file, update.", no_args_is_help=True)
COLUMNS = [
    *columns("id", "severity", "title", "source", "confidence", "observed_at"),
    Column("SEEN", "occurrences"),
    Column("LAST SEEN", "last_seen_at"),
    Column("INDICATORS", "indicators", lambda r: [i.value for i in r.indicators]),
]

Sev = Annotated[Severity | None, typer.Option(help="How bad.")]
Text = Annotated[str | None, typer.Option()]
Confidence = Annotated[int | None, typer.Option(min=0, max=100, help="0-100.")]
Tlp = Annotated[TLP | None, typer.Option(help="Traffic Light Protocol marking.")]
When = Annotated[str | None, typer.Option(help="ISO 8601 with a time zone.")]
OperationRef = Annotated[str | None, typer.Option("--operation", help="Operation id or code.")]
AssetRef = Annotated[str | None, typer.Option("--asset", help="Asset id or name.")]


@app.command("list")
def list_(
    severity: Annotated[list[Severity] | None, typer.Option(help="Repeatable.")] = None,
    min_severity: Annotated[Severity | None, typer.Option(help="This bad or worse.")] = None,
    source: Annotated[list[IntelSource] | None, typer.Option(help="Repeatable.")] = None,
    operation: OperationRef = None,
    asset: AssetRef = None,
    indicator: Annotated[str | None, typer.Option(help="An indicator value, exact.")] = None,
    since: Annotated[str | None, typer.Option(help="Observed at or after (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Observed before (ISO 8601).")] = None,
    query: SearchOpt = None,
    limit: LimitOpt = 50,
    every: AllOpt = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """List intelligence reports, most recently observed first.

    Example: vtoc intel list --min-severity high --indicator 203.0.113.7 --all
    """
    with client() as api:
        filters = {
            "severity": severity,
            "min_severity": min_severity,
            "source": source,
            "operation_id": resolve_id(api.operations, operation),
            "asset_id": resolve_id(api.assets, asset),
            "indicator": indicator,
            "since": since,
            "until": until,
            "q": query,
        }
        fmt = output_format(output, as_json)
        list_rows(api.intel, COLUMNS, fmt, limit=limit, every=every, filters=filters)


def links(api: VtocClient, operation: str | None, asset: str | None) -> dict[str, object]:
    return {
        "operation_id": resolve_id(api.operations, operation),
        "asset_id": resolve_id(api.assets, asset),
    }


@app.command()
def create(
    title: Text = None,
    body: Text = None,
    source: Annotated[IntelSource | None, typer.Option(help="Where it came from.")] = None,
    source_ref: Annotated[str | None, typer.Option(help="The source's own id.")] = None,
    severity: Sev = None,
    confidence: Confidence = None,
    tlp: Tlp = None,
    observed_at: When = None,
    operation: OperationRef = None,
    asset: AssetRef = None,
    file: FileOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """File an intelligence report; indicators in its text are extracted by the server.

    Example: vtoc intel create --title "Beacon to cdn-static.top" --severity high --operation 3
    """
    with client() as api:
        fields = dict(
            title=title,
            body=body,
            source=source,
            source_ref=source_ref,
            severity=severity,
            confidence=confidence,
            tlp=tlp,
            observed_at=observed_at,
            **links(api, operation, asset),
        )
        data = read_body(file, fields)
        create_or_update(api.intel.create, data, output_format(output, as_json), changing=False)


@app.command()
def update(
    ref: Ref,
    title: Text = None,
    body: Text = None,
    severity: Sev = None,
    confidence: Confidence = None,
    tlp: Tlp = None,
    observed_at: When = None,
    operation: OperationRef = None,
    asset: AssetRef = None,
    file: FileOpt = None,
    if_version: IfVersionOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Change a report; only the fields given are touched.

    Example: vtoc intel update 42 --severity critical --tlp red
    """
    with client() as api:
        fields = dict(
            title=title,
            body=body,
            severity=severity,
            confidence=confidence,
            tlp=tlp,
            observed_at=observed_at,
            **links(api, operation, asset),
        )
        data = read_body(file, fields)
        create_or_update(
            lambda b: api.intel.update(ref, b, version=if_version),
            data,
            output_format(output, as_json),
            changing=True,
        )


add_show_delete(app, "intel", "report", "42")
