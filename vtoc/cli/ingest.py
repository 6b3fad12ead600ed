"""``vtoc ingest``: feed external alert files to the server, resumable and safe to rerun."""

from __future__ import annotations

import sys
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from vtoc.cli.progress import Tally, progress_bar
from vtoc.terminal import printable

if TYPE_CHECKING:
    from vtoc.feeds.lines import Batch
    from vtoc.schemas import IngestResult

app = typer.Typer(help="Feed external alerts (Wazuh) into vTOC.", no_args_is_help=True)
SHOWN_REJECTS = 20


@app.command("wazuh")
def wazuh(
    source: Annotated[
        str, typer.Argument(help="Wazuh's alerts.json (one alert a line), or - for stdin.")
    ],
    follow: Annotated[
        bool, typer.Option("--follow", "-F", help="Keep reading new alerts, across rotation.")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, max=5000, help="Alerts per request.")] = 500,
    from_start: Annotated[
        bool, typer.Option("--from-start", help="Ignore the saved offset and read it all again.")
    ] = False,
    parallel: Annotated[
        int,
        typer.Option(
            min=1, max=8, help="Batches on their way at once (the server's workers share them)."
        ),
    ] = 2,
) -> None:
    """Send Wazuh alerts to the server in batches, with a progress bar.

    The byte offset reached is saved once every batch before it was taken too, so a restart
    goes on where the last run stopped. Running twice is harmless: the server drops alerts
    it has. A folded alert repeats one already filed (the same rule, agent and main
    indicator, within the flood window): it adds to that report's count instead of filing
    another. Exits 3 when any line was rejected (each is named on stderr).

    Example: vtoc ingest wazuh /var/ossec/logs/alerts/alerts.json --follow
    """
    from vtoc.cli.errors import EXIT_REJECTED, fail, until_stopped
    from vtoc.client import VtocClient
    from vtoc.config import resolve_context
    from vtoc.feeds.lines import (
        Position,
        batches,
        rotation_check,
        state_file_for,
        stream_batches,
    )

    context = resolve_context()
    state: Path | None = None
    offset, total = 0, None
    if source == "-":
        fh: BinaryIO = sys.stdin.buffer
    else:
        path = Path(source)
        try:
            fh = path.open("rb")
        except OSError as exc:
            fail(f"cannot read {source}: {exc.strerror}")
        state = state_file_for(path)
        inode, total = path.stat().st_ino, path.stat().st_size
        saved = None if from_start else Position.load(state)
        if saved and saved.inode == inode and saved.offset <= total:
            offset = saved.offset
    reopen = rotation_check(Path(source)) if follow and state else None
    totals = Tally()
    started = time.monotonic()
    with (
        VtocClient(context.api_url, context.token) as client,
        progress_bar(follow) as bar,
        ThreadPoolExecutor(parallel, thread_name_prefix="ingest") as pool,
    ):
        task = bar.add_task(source, total=total, completed=offset, summary=summary(totals, 0.0))
        sending: deque[tuple[Batch, Future[IngestResult]]] = deque()

        def take_oldest() -> None:
            """Count the oldest batch on its way, in file order, and save its end."""
            part, future = sending.popleft()
            result = future.result()
            warn_rejected(result, part, source)
            if state:
                Position(part.inode, part.end).save(state)
            totals.add(result, alerts=len(part.lines))
            rate = totals["alerts"] / max(time.monotonic() - started, 1e-6)
            bar.update(task, completed=part.end, summary=summary(totals, rate))

        def idle(seconds: float) -> None:
            """While the file has nothing new: settle what was sent, then wait."""
            while sending:
                take_oldest()
            time.sleep(seconds)

        # A pipe says itself when more comes, or when it closes: only files need polling.
        parts = (
            batches(fh, size=batch, offset=offset, follow=follow, reopen=reopen, sleep=idle)
            if state
            else stream_batches(fh, size=batch)
        )
        with until_stopped(), fh:
            for part in parts:
                sending.append((part, pool.submit(client.ingest_wazuh, part.body)))
                if len(sending) >= parallel:
                    take_oldest()
            while sending:
                take_oldest()
    typer.echo(f"{totals['alerts']} alerts: {summary(totals, None)}", err=True)
    if totals["updated"]:
        typer.echo(
            f"({totals['updated']} folded: repeats of an alert already filed, same rule, agent "
            "and main indicator, counted on its report instead of filing another)",
            err=True,
        )
    if totals["rejected"]:
        raise typer.Exit(EXIT_REJECTED)


def warn_rejected(result: IngestResult, part: Batch, source: str) -> None:
    for rejected in result.rejected[:SHOWN_REJECTS]:
        at = part.starts[rejected.index]
        typer.echo(f"warning: {source} at byte {at}: {printable(rejected.error)}", err=True)


def summary(totals: Tally, rate: float | None) -> str:
    """What the alerts sent so far became, after their rate while it is known."""
    speed = f"{rate:,.0f} alerts/s  " if rate is not None else ""
    return (
        f"{speed}{totals['created']} created  {totals['updated']} folded  "
        f"{totals['duplicates']} duplicates  {totals['rejected']} rejected"
    )
