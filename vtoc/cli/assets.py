"""``vtoc assets``: people, vehicles, sensors and servers, and their check-ins."""

from __future__ import annotations

from typing import Annotated

import typer

from vtoc.cli.output import Format, columns, render_one
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
from vtoc.schemas import AssetKind, AssetStatus, Heartbeat

app = typer.Typer(help="Assets: list, create, heartbeat.", no_args_is_help=True)
COLUMNS = columns("id", "name", "kind", "status", "callsign", "lat", "lon", "last_seen_at")

Kind = Annotated[AssetKind | None, typer.Option(help="What it is.")]
Status = Annotated[AssetStatus | None, typer.Option(help="Readiness.")]
Text = Annotated[str | None, typer.Option()]
Lat = Annotated[float | None, typer.Option(min=-90, max=90, help="Latitude, degrees.")]
Lon = Annotated[float | None, typer.Option(min=-180, max=180, help="Longitude, degrees.")]
Interval = Annotated[int | None, typer.Option(min=1, help="Expected seconds between check-ins.")]


@app.command("list")
def list_(
    kind: Annotated[list[AssetKind] | None, typer.Option(help="Repeatable.")] = None,
    status: Annotated[list[AssetStatus] | None, typer.Option(help="Repeatable.")] = None,
    query: SearchOpt = None,
    limit: LimitOpt = 50,
    every: AllOpt = False,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """List assets.

    Example: vtoc assets list --status unreachable --kind sensor
    """
    with client() as api:
        filters = {"kind": kind, "status": status, "q": query}
        fmt = output_format(output, as_json)
        list_rows(api.assets, COLUMNS, fmt, limit=limit, every=every, filters=filters)


@app.command()
def create(
    name: Text = None,
    kind: Kind = None,
    status: Status = None,
    callsign: Text = None,
    lat: Lat = None,
    lon: Lon = None,
    heartbeat_seconds: Interval = None,
    file: FileOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Register an asset.

    Example: vtoc assets create --name Ranger-09 --kind vehicle --callsign R9 --lat 59.3 --lon 18.1
    """
    fields = dict(
        name=name,
        kind=kind,
        status=status,
        callsign=callsign,
        lat=lat,
        lon=lon,
        heartbeat_seconds=heartbeat_seconds,
    )
    body = read_body(file, fields)
    with client() as api:
        create_or_update(api.assets.create, body, output_format(output, as_json), changing=False)


@app.command()
def update(
    ref: Ref,
    name: Text = None,
    kind: Kind = None,
    status: Status = None,
    callsign: Text = None,
    lat: Lat = None,
    lon: Lon = None,
    heartbeat_seconds: Interval = None,
    file: FileOpt = None,
    if_version: IfVersionOpt = None,
    output: OutputOpt = Format.table,
    as_json: JsonOpt = False,
) -> None:
    """Change an asset; only the fields given are touched.

    Example: vtoc assets update Ranger-01 --status maintenance
    """
    fields = dict(
        name=name,
        kind=kind,
        status=status,
        callsign=callsign,
        lat=lat,
        lon=lon,
        heartbeat_seconds=heartbeat_seconds,
    )
    body = read_body(file, fields)
    with client() as api:
        create_or_update(
            lambda b: api.assets.update(ref, b, version=if_version),
            body,
            output_format(output, as_json),
            changing=True,
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


add_show_delete(app, "assets", "asset", "Ranger-01")
