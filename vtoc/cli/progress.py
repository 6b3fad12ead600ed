"""What a long-running feed shows: a progress bar on stderr and the tally of its batches.

Shared by ``vtoc ingest`` (alerts) and ``vtoc feed`` (fixes), whose batches the server
answers with counts (``IngestResult``, ``PositionResult``).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.progress import Progress


class Tally(Counter[str]):
    """What the batches sent so far became, by the answer's field names: a number is added,
    a list (``rejected``) counts its items; the caller adds its own counts by keyword."""

    def add(self, result: BaseModel | None, **counts: int) -> None:
        self.update(counts)
        for name, value in result or ():
            self[name] += len(value) if isinstance(value, list) else value


def progress_bar(follow: bool) -> Progress:
    """Bytes through the file (unless followed: no end), and the tally; on stderr, TTY only."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, ProgressColumn, TextColumn

    console = Console(stderr=True)
    columns: list[ProgressColumn] = [TextColumn("[bold]{task.description}")]
    if not follow:
        columns += [BarColumn(), DownloadColumn()]
    columns.append(TextColumn("{task.fields[summary]}"))
    return Progress(*columns, console=console, disable=not console.is_terminal)
