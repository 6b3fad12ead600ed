"""The TUI over SSH: session start, memory per session, live changes to many sessions.

A real ``vtoc server run`` on a fresh PostgreSQL database and a real ``vtoc ssh serve`` in
front of it; asyncssh is the client, one enrolled key, interactive sessions in 80x24
terminals (each runs the TUI as its own process, as an operator's would).

- session start: from the key accepted to the dashboard painted (its title in the
  terminal), median of the sessions; goal < 1.5 s;
- memory: the RSS of the SSH server and every process under it with one session open,
  then with all open; per extra session; goal < 80 MB;
- live change: with all sessions on the dashboard, one intel report is filed through the
  API; the time until the last session shows its title; goal < 1 s.

Sessions: 20 (``--quick``: 3).

    python -m bench --only ssh [--quick]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.common import Row

START_GOAL_S = 1.5
RSS_GOAL_MB = 80.0
LIVE_GOAL_S = 1.0
PAINTED = "Dashboard"


def tree_rss_mb(pid: int) -> float:
    """The resident memory of ``pid`` and all its descendants."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, p in parents.items() if p == parent]
        tree.update(children)
        frontier.extend(children)
    total_kib = 0
    for member in tree:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total_kib += next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")),
            0,
        )
    return total_kib / 1024


@contextmanager
def ssh_server(api: str, token: str, home: Path, sessions: int) -> Iterator[tuple[int, int]]:
    """``vtoc ssh serve`` with room for every session on one key; yields (port, pid)."""
    from tests.processes import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}
    env.update(VTOC_API_URL=api, VTOC_TOKEN=token, XDG_DATA_HOME=str(home / "data"))
    limits = ["--max-sessions", str(sessions + 5), "--max-sessions-per-key", str(sessions + 5)]
    argv = [sys.executable, "-m", "vtoc", "ssh", "serve", "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        [*argv, "--port", str(port), *limits],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    if "listening" not in proc.stderr.readline():
        proc.kill()
        raise RuntimeError("vtoc ssh serve did not start")
    try:
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Session:
    """One interactive session: its terminal output, searched as it arrives."""

    def __init__(self) -> None:
        self.seen = ""
        self.changed = asyncio.Event()
        self.conn: Any = None
        self.process: Any = None
        self.reader: asyncio.Future[None] | None = None

    async def open(self, port: int, key: Any) -> float:
        """Connect and wait for the dashboard; the seconds from key accepted to painted."""
        import asyncssh

        self.conn = await asyncssh.connect(
            "127.0.0.1",
            port,
            username="bench",
            client_keys=[key],
            known_hosts=None,
            agent_path=None,
        )
        accepted = time.perf_counter()
        self.process = await self.conn.create_process(
            term_type="xterm-256color", term_size=(80, 24), encoding=None
        )
        self.reader = asyncio.ensure_future(self.read())
        await self.until(PAINTED)
        return time.perf_counter() - accepted

    async def read(self) -> None:
        while chunk := await self.process.stdout.read(65536):
            self.seen += chunk.decode("utf-8", "replace")
            self.changed.set()

    async def until(self, text: str, timeout: float = 60.0) -> None:
        async with asyncio.timeout(timeout):
            while True:
                self.changed.clear()
                if text in self.seen:
                    return
                await self.changed.wait()

    def close(self) -> None:
        self.conn.close()


async def measure(api: str, token: str, port: int, pid: int, count: int) -> dict[str, float]:
    import asyncssh

    from vtoc import schemas as s
    from vtoc.client import AsyncVtocClient

    key = asyncssh.generate_private_key("ssh-ed25519")
    async with AsyncVtocClient(api, token) as admin:
        line = key.export_public_key().decode()
        await admin.enroll_ssh_key(
            s.SshKeyCreate(name="bench", role=s.Role.operator, public_key=line)
        )
        sessions = [Session() for _ in range(count)]
        starts = [await sessions[0].open(port, key)]
        one = tree_rss_mb(pid)
        for session in sessions[1:]:
            starts.append(await session.open(port, key))
        await asyncio.sleep(2)  # every TUI settled after its first paint
        every = tree_rss_mb(pid)
        title = f"live{uuid.uuid4().hex[:8]}"
        filed = time.perf_counter()
        await admin.intel.create(title=title)
        await asyncio.gather(*(session.until(title, 30) for session in sessions))
        live = time.perf_counter() - filed
    for session in sessions:
        session.close()
    return {
        "start_s": statistics.median(starts),
        "start_max_s": max(starts),
        "per_session_mb": (every - one) / max(count - 1, 1),
        "live_s": live,
    }


def run(quick: bool) -> list[Row]:
    from bench.common import fresh_database, row, vtoc_server

    count = 3 if quick else 20
    url = fresh_database("vtoc_bench_ssh")
    with (
        tempfile.TemporaryDirectory() as home,
        vtoc_server(url, Path(home)) as (api, token),
        ssh_server(api, token, Path(home), count) as (port, pid),
    ):
        found = asyncio.run(measure(api, token, port, pid, count))
    return [
        row(
            "SSH session start (key accepted → dashboard painted), median",
            found["start_s"],
            "s",
            f"< {START_GOAL_S} s",
            found["start_s"] < START_GOAL_S,
        ),
        row("SSH session start, slowest", found["start_max_s"], "s", "-", None),
        row(
            f"RSS per extra SSH session ({count} open)",
            found["per_session_mb"],
            "MB",
            f"< {RSS_GOAL_MB:g} MB",
            found["per_session_mb"] < RSS_GOAL_MB,
        ),
        row(
            f"a live change reaches all {count} SSH sessions",
            found["live_s"],
            "s",
            f"< {LIVE_GOAL_S:g} s",
            found["live_s"] < LIVE_GOAL_S,
        ),
    ]
