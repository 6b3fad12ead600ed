"""``vtoc intel``: intelligence reports, filtered the way an analyst triages them."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.commands import OPERATION, Flag, add_create, add_list, add_update, any_of, reference
from vtoc.cli.output import Column, columns
from vtoc.cli.params import add_show_delete, bounds
from vtoc.schemas import TLP, IntelSource, IntelUpdate, Severity

app = typer.Typer(help="Intelligence reports: list, file, update.", no_args_is_help=True)
COLUMNS = [
    *columns("id", "severity", "title", "source", "confidence", "observed_at"),
    Column("SEEN", "occurrences"),
    Column("LAST SEEN", "last_seen_at"),
    Column("INDICATORS", "indicators", lambda r: [i.value for i in r.indicators]),
]

Text = Annotated[str | None, typer.Option()]
When = Annotated[str | None, typer.Option(help="ISO 8601 with a time zone.")]
LINKS = [
    OPERATION,
    Flag(
        "asset",
        Annotated[str | None, typer.Option("--asset", help="Asset id or name.")],
        "asset_id",
        reference("assets"),
    ),
]
CONTENT = [
    Flag("title", Text),
    Flag("body", Text),
]
SOURCE = [
    Flag("source", Annotated[IntelSource | None, typer.Option(help="Where it came from.")]),
    Flag("source_ref", Annotated[str | None, typer.Option(help="The source's own id.")]),
]
ASSESSMENT = [
    Flag("severity", Annotated[Severity | None, typer.Option(help="How bad.")]),
    Flag(
        "confidence",
        Annotated[int | None, typer.Option(**bounds(IntelUpdate, "confidence"), help="0-100.")],
    ),
    Flag("tlp", Annotated[TLP | None, typer.Option(help="Traffic Light Protocol marking.")]),
    Flag("observed_at", When),
]

add_list(
    app,
    "intel",
    COLUMNS,
    [
        any_of("severity", Severity),
        Flag("min_severity", Annotated[Severity | None, typer.Option(help="This bad or worse.")]),
        any_of("source", IntelSource),
        *LINKS,
        Flag("indicator", Annotated[str | None, typer.Option(help="An indicator value, exact.")]),
        Flag("since", Annotated[str | None, typer.Option(help="Observed at or after (ISO 8601).")]),
        Flag("until", Annotated[str | None, typer.Option(help="Observed before (ISO 8601).")]),
        Flag("raw", Annotated[bool, typer.Option(help="With each raw alert (-o json/yaml).")]),
    ],
    """List intelligence reports, most recently observed first.

    Example: vtoc intel list --min-severity high --indicator 203.0.113.7 --all
    """,
)
add_create(
    app,
    "intel",
    [*CONTENT, *SOURCE, *ASSESSMENT, *LINKS],
    """File an intelligence report; indicators in its text are extracted by the server.

    Example: vtoc intel create --title "Beacon to cdn-static.top" --severity high --operation 3
    """,
)
add_update(
    app,
    "intel",
    [*CONTENT, *ASSESSMENT, *LINKS],
    """Change a report; only the fields given are touched.

    Example: vtoc intel update 42 --severity critical --tlp red
    """,
)
add_show_delete(app, "intel", "report", "42")
