"""``vtoc assets``: people, vehicles, sensors and servers, their check-ins and tracks."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.commands import Flag, add_create, add_list, add_update, any_of
from vtoc.cli.output import Format, columns, render_one
from vtoc.cli.params import (
    JsonOpt,
    OutputOpt,
    Ref,
    add_show_delete,
    bounds,
    output_format,
    parse_time,
)
from vtoc.cli.session import client
from vtoc.cli.tracks import TrackFormat, render_track
from vtoc.schemas import AssetKind, AssetStatus, AssetUpdate, Heartbeat

app = typer.Typer(help="Assets: list, create, heartbeat, track.", no_args_is_help=True)
COLUMNS = columns("id", "name", "kind", "status", "callsign", "lat", "lon", "last_seen_at")

Text = Annotated[str | None, typer.Option()]
Lat = Annotated[float | None, typer.Option(**bounds(AssetUpdate, "lat"), help="Latitude, degrees.")]
Lon = Annotated[
    float | None, typer.Option(**bounds(AssetUpdate, "lon"), help="Longitude, degrees.")
]
Interval = Annotated[
    int | None,
    typer.Option(
        **bounds(AssetUpdate, "heartbeat_seconds"), help="Expected seconds between check-ins."
    ),
]
FIELDS = [
    Flag("name", Text),
    Flag("kind", Annotated[AssetKind | None, typer.Option(help="What it is.")]),
    Flag("status", Annotated[AssetStatus | None, typer.Option(help="Readiness.")]),
    Flag("callsign", Text),
    Flag("lat", Lat),
    Flag("lon", Lon),
    Flag("heartbeat_seconds", Interval),
]

add_list(
    app,
    "assets",
    COLUMNS,
    [
        any_of("kind", AssetKind),
        any_of("status", AssetStatus),
    ],
    """List assets, newest first.

    Example: vtoc assets list --status unreachable --kind sensor
    """,
)
add_create(
    app,
    "assets",
    FIELDS,
    """Register an asset.

    Example: vtoc assets create --name Ranger-09 --kind vehicle --callsign R9 --lat 59.3 --lon 18.1
    """,
)
add_update(
    app,
    "assets",
    FIELDS,
    """Change an asset; only the fields given are touched.

    Example: vtoc assets update Ranger-01 --status maintenance
    """,
)


@app.command()
def heartbeat(
    ref: Ref,
    lat: Lat = None,
    lon: Lon = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Mark an asset as seen now, optionally where it is; it is reachable again.

    Example: vtoc assets heartbeat Hawk-02 --lat 59.33 --lon 18.07
    """
    with client() as api:
        render_one(api.heartbeat(ref, Heartbeat(lat=lat, lon=lon)), output_format(output, as_json))


@app.command()
def track(
    ref: Ref,
    since: Annotated[
        str | None, typer.Option(help="From: a span back (2h, 30m, 1d) or an ISO time. [24h]")
    ] = None,
    until: Annotated[str | None, typer.Option(help="To: as --since. [now]")] = None,
    max_points: Annotated[
        int, typer.Option(min=2, max=10_000, help="Thinned on the server to this many.")
    ] = 1000,
    output: Annotated[
        TrackFormat, typer.Option("--output", "-o", help="table, json, csv or gpx.")
    ] = TrackFormat.table,
) -> None:
    """An asset's track: its fixes in time order, thinned keeping the turns.

    Example: vtoc assets track Hawk-02 --since 2h -o gpx > hawk.gpx
    """
    from vtoc.schemas import TrackQuery

    query = TrackQuery(
        since=parse_time(since, "--since"),
        until=parse_time(until, "--until"),
        max_points=max_points,
    )
    with client() as api:
        render_track(api.track(ref, query), output)


add_show_delete(app, "assets", "asset", "Ranger-01")
