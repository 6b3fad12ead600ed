"""``vtoc feed``: positions from GPS (NMEA), AIS and ADS-B receivers, sent as fixes.

Each feed names every bad line on stderr and goes on; files remember the offset reached,
so a rerun goes on where the last one stopped (and the server drops fixes it has).
"""

from __future__ import annotations

import stat
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from vtoc.cli.errors import fail, until_stopped
from vtoc.cli.progress import Tally, progress_bar
from vtoc.terminal import printable

if TYPE_CHECKING:
    from vtoc.feeds.decoded import Decoded
    from vtoc.feeds.lines import Batch

app = typer.Typer(help="Positions from GPS, AIS and ADS-B receivers.", no_args_is_help=True)
SHOWN_PER_BATCH = 20
RETRY_SECONDS = 2.0

Follow = Annotated[
    bool, typer.Option("--follow", "-F", help="A file: keep reading what is appended.")
]
FromStart = Annotated[
    bool, typer.Option("--from-start", help="Ignore the saved offset and read it all again.")
]


def summary(totals: Tally) -> str:
    """What the fixes sent so far became, and the lines that were no fixes."""
    return (
        f"{totals['fixes']} fixes: {totals['stored']} stored  {totals['duplicates']} duplicates  "
        f"{totals['rejected']} rejected  {totals['bad']} bad lines"
    )


def say(message: str) -> None:
    typer.echo(printable(message), err=True)


def send(
    label: str,
    parts: Iterable[Batch],
    decode: Callable[[Batch], Decoded],
    *,
    create_assets: bool,
    saved: Callable[[Batch], None] = lambda _: None,
    where: Callable[[int], str] = "at byte {}".format,
) -> None:
    """Decode each batch, send its fixes, name its bad lines; a server that is away is
    waited for (a live receiver's fixes are not dropped), any other refusal ends the feed."""
    from vtoc.cli.session import client
    from vtoc.client import Unavailable

    totals = Tally()
    with client() as api, progress_bar(follow=True) as bar:
        task = bar.add_task(label, total=None, summary=summary(totals))
        with until_stopped():
            for part in parts:
                decoded = decode(part)
                for origin, reason in decoded.bad[:SHOWN_PER_BATCH]:
                    say(f"warning: {label} {where(origin)}: {reason}")
                result = None
                while decoded.fixes:
                    try:
                        result = api.post_positions(decoded.fixes, create_assets=create_assets)
                        break
                    except Unavailable as exc:
                        say(f"warning: {exc.message}; retrying in {RETRY_SECONDS:.0f} s")
                        time.sleep(RETRY_SECONDS)
                for rejected in (result.rejected if result else [])[:SHOWN_PER_BATCH]:
                    origin = decoded.origins[rejected.index]
                    say(f"warning: {label} {where(origin)}: {rejected.error}")
                saved(part)
                totals.add(result, fixes=len(decoded.fixes), bad=len(decoded.bad))
                bar.update(task, summary=summary(totals))
    say(summary(totals))


def line_batches(
    source: str, feed: str, *, follow: bool, from_start: bool, baud: int = 4800
) -> tuple[Iterable[Batch], Callable[[Batch], None]]:
    """Batches of lines from ``-`` (stdin), a serial device (reopened when it goes away),
    ``udp://HOST:PORT``, a pipe, or a file (from the offset saved, which is saved again
    after each batch is sent)."""
    from vtoc.feeds.lines import Position, batches, chunk_batches, state_file_for, stream_batches
    from vtoc.feeds.sources import device_reader, udp_reader

    def unsaved(_: Batch) -> None:
        return None

    if source == "-":
        return stream_batches(sys.stdin.buffer, size=1000), unsaved
    if source.startswith("udp://"):
        try:
            return chunk_batches(udp_reader(source), size=1000), unsaved
        except (ValueError, OSError) as exc:
            fail(f"cannot listen on {source}: {exc}")
    path = Path(source)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror}")
    if stat.S_ISCHR(mode):
        return chunk_batches(device_reader(source, baud, say), size=1000), unsaved
    fh: BinaryIO = path.open("rb")
    if stat.S_ISFIFO(mode):
        return stream_batches(fh, size=1000), unsaved
    state = state_file_for(path, feed)
    saved = None if from_start else Position.load(state)
    inode, size = path.stat().st_ino, path.stat().st_size
    offset = saved.offset if saved and saved.inode == inode and saved.offset <= size else 0

    def save(part: Batch) -> None:
        Position(part.inode, part.end).save(state)

    return batches(fh, size=1000, offset=offset, follow=follow), save


@app.command()
def nmea(
    source: Annotated[
        str, typer.Argument(help="A serial device (/dev/ttyUSB0), a file, or - for stdin.")
    ],
    asset: Annotated[str, typer.Option(help="The asset the receiver is on (its name).")],
    baud: Annotated[int, typer.Option(help="A serial device's speed.")] = 4800,
    create: Annotated[bool, typer.Option(help="Register the asset if it is new.")] = False,
    follow: Follow = False,
    from_start: FromStart = False,
) -> None:
    """GPS positions (GGA and RMC sentences) of one asset.

    Example: vtoc feed nmea /dev/ttyACM0 --asset Ranger-01 --baud 9600
    """
    from vtoc.feeds.nmea import NmeaDecoder

    parts, saved = line_batches(source, "nmea", follow=follow, from_start=from_start, baud=baud)
    send(source, parts, NmeaDecoder(asset).decode, create_assets=create, saved=saved)


@app.command()
def ais(
    source: Annotated[
        str, typer.Argument(help="An AIVDM log, - for stdin, or udp://HOST:PORT to listen.")
    ],
    follow: Follow = False,
    from_start: FromStart = False,
) -> None:
    """Vessels' positions from AIS; each vessel is an asset named by its MMSI.

    Example: vtoc feed ais udp://0.0.0.0:10110
    """
    from vtoc.feeds.ais import AisDecoder

    parts, saved = line_batches(source, "ais", follow=follow, from_start=from_start)
    send(source, parts, AisDecoder().decode, create_assets=True, saved=saved)


@app.command()
def adsb(
    source: Annotated[
        str, typer.Argument(help="readsb/dump1090's aircraft.json: a URL or a file.")
    ],
    interval: Annotated[float, typer.Option(min=0.2, help="Seconds between reads.")] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Read it once and stop.")] = False,
) -> None:
    """Aircraft positions from ADS-B; each aircraft is an asset named by its ICAO address.

    Example: vtoc feed adsb http://127.0.0.1:8080/data/aircraft.json
    """
    reads = aircraft_reads(source, interval, once)
    send(source, reads, decode_aircraft, create_assets=True, where="aircraft {}".format)


def aircraft_reads(source: str, interval: float, once: bool) -> Iterable[Batch]:
    """Each read of ``aircraft.json`` as a batch of one line; a failed read is named and
    the next one tried."""
    import httpx

    from vtoc.feeds.lines import Batch

    while True:
        try:
            if source.startswith(("http://", "https://")):
                response = httpx.get(source, timeout=10)
                response.raise_for_status()
                body = response.content
            else:
                body = Path(source).read_bytes()
            yield Batch(lines=[body], starts=[0])
        except (httpx.HTTPError, OSError) as exc:
            if once:
                fail(f"cannot read {source}: {exc}")
            say(f"warning: cannot read {source}: {exc}")
        if once:
            return
        time.sleep(interval)


def decode_aircraft(part: Batch) -> Decoded:
    from datetime import UTC, datetime

    import orjson

    from vtoc.feeds.adsb import aircraft_fixes
    from vtoc.feeds.decoded import Decoded

    try:
        doc = orjson.loads(part.lines[0])
    except orjson.JSONDecodeError as exc:
        return Decoded(bad=[(0, f"not JSON: {exc}")])
    return aircraft_fixes(doc, received=datetime.now(UTC))
