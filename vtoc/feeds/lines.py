"""Reading a line-by-line feed (Wazuh's alerts.json, NMEA or AIS logs) in batches: where
we stopped survives a restart, and with ``follow`` the reader waits for new lines and moves
on when the file is rotated.

Only whole lines are taken while following, so a half-written line is read once complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import platformdirs

#: keep a batch well under the server's ingest body limit, whatever the line lengths
MAX_BATCH_BYTES = 8 * 1024 * 1024


def state_file_for(source: Path, feed: str = "wazuh") -> Path:
    """Where the offset into ``source`` is kept (one file per feed and file read)."""
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    state = Path(platformdirs.user_state_dir("vtoc", appauthor=False))
    return state / "ingest" / f"{feed}-{key}.json"


@dataclass
class Position:
    """An offset into one file, known by its inode so a rotated file starts over."""

    inode: int
    offset: int

    @classmethod
    def load(cls, path: Path) -> Position | None:
        try:
            data = json.loads(path.read_text())
            return cls(inode=int(data["inode"]), offset=int(data["offset"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"inode": self.inode, "offset": self.offset}))
        os.replace(temporary, path)  # a kill never leaves half a state file


@dataclass
class Batch:
    """Whole lines (alerts as NDJSON, sentences), with where each starts (to name a bad one)."""

    lines: list[bytes] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    size: int = 0
    #: the offset just past the last line, in the file ``inode``: saved once sent
    end: int = 0
    inode: int = 0

    @property
    def body(self) -> bytes:
        return b"\n".join(self.lines) + b"\n"

    def take(self, line: bytes, at: int, size: int) -> bool:
        """Add ``line`` (with its newline, if it has one) read at offset ``at``; whether the
        batch is now full (``size`` lines, or ``MAX_BATCH_BYTES``)."""
        if line.strip():
            self.lines.append(line.rstrip(b"\r\n"))
            self.starts.append(at)
            self.size += len(line)
        self.end = at + len(line)
        return len(self.lines) >= size or self.size >= MAX_BATCH_BYTES


def batches(
    fh: BinaryIO,
    *,
    size: int,
    offset: int,
    follow: bool,
    reopen: Callable[[BinaryIO], BinaryIO | None] | None = None,
    poll: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Batch]:
    """Batches of up to ``size`` lines from ``offset`` on (``fh`` may be a pipe).

    Without ``follow`` the last line counts even without its newline and the iteration ends
    at the end of the file. With ``follow`` a short batch goes out whenever the writer
    pauses, and ``reopen`` (called at the end of the file) may hand over a rotated file.
    """
    if offset:
        fh.seek(offset)
    position, pending = offset, b""
    batch = Batch(end=offset)
    while True:
        chunk = fh.readline()
        line = pending + chunk
        if chunk and (line.endswith(b"\n") or not follow):
            pending = b""
            full = batch.take(line, position, size)
            position = batch.end
            if full:
                yield finished(batch, fh)
                batch = Batch(end=position)
            continue
        pending = line  # the end of the file, maybe inside a line still being written
        if batch.lines:
            yield finished(batch, fh)
            batch = Batch(end=position)
        if not follow:
            return
        replacement = reopen(fh) if reopen else None
        if replacement is not None:
            fh, position, pending = replacement, 0, b""
            batch = Batch(end=0)
            continue
        sleep(poll)


def stream_batches(fh: BinaryIO, *, size: int, quiet: float = 0.5) -> Iterator[Batch]:
    """Batches of up to ``size`` lines from a pipe (``tail -F … |``, ``ssh manager …``);
    see ``chunk_batches``."""
    inode = os.fstat(fh.fileno()).st_ino
    return chunk_batches(lambda: os.read(fh.fileno(), 1 << 16), size=size, quiet=quiet, inode=inode)


def chunk_batches(
    read: Callable[[], bytes], *, size: int, quiet: float = 0.5, inode: int = 0
) -> Iterator[Batch]:
    """Batches of up to ``size`` lines from whatever ``read`` returns (a pipe, a serial
    device, datagrams; ``b""`` is the end): what has come goes out once the source has been
    quiet for ``quiet`` seconds, so a trickle is not held back until ``size`` lines have
    piled up. A last line without its newline counts.

    A thread reads, as things come: a read blocks until something does, and only a thread
    can wait for that and for the clock at once.
    """
    chunks: queue.Queue[bytes] = queue.Queue(maxsize=64)

    def reader() -> None:
        while chunk := read():
            chunks.put(chunk)
        chunks.put(b"")  # the end

    threading.Thread(target=reader, name="line-reader", daemon=True).start()
    position, pending = 0, b""
    batch = Batch(inode=inode)
    while True:
        try:
            chunk = chunks.get(timeout=quiet) if batch.lines else chunks.get()
        except queue.Empty:
            yield batch
            batch = Batch(end=position, inode=inode)
            continue
        *complete, pending = (pending + chunk).split(b"\n")
        lines = [line + b"\n" for line in complete]
        if not chunk and pending:
            lines.append(pending)
        for line in lines:
            full = batch.take(line, position, size)
            position = batch.end
            if full:
                yield batch
                batch = Batch(end=position, inode=inode)
        if not chunk:
            if batch.lines:
                yield batch
            return


def finished(batch: Batch, fh: BinaryIO) -> Batch:
    batch.inode = os.fstat(fh.fileno()).st_ino
    return batch


def rotation_check(path: Path) -> Callable[[BinaryIO], BinaryIO | None]:
    """Spot a rotated (renamed and recreated) or truncated ``path``: return the file to
    read from now on, or None while the current one is still the file."""

    def check(fh: BinaryIO) -> BinaryIO | None:
        try:
            current = os.stat(path)
        except FileNotFoundError:
            return None  # between the rename and the new file
        if current.st_ino != os.fstat(fh.fileno()).st_ino:
            # Anything left in the old file was read already: we are at its end.
            fh.close()
            return path.open("rb")
        if current.st_size < fh.tell():  # copytruncate
            fh.seek(0)
            return fh
        return None

    return check
