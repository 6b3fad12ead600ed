"""CoT through the TAK gateway: events a second from TAK clients to fixes stored on
PostgreSQL (goal: 5,000 a second).

A real ``vtoc server run`` on a fresh database and a real ``vtoc tak serve`` in front of it;
four TCP clients send CoT position events of 100 callsigns as fast as the gateway reads
them, and the clock stops when the database holds every one as a fix (the whole way: XML
parsed, batches posted, fixes stored). The assets exist already (one event each, first),
so what is measured is a steady feed, not their registration.

    python -m bench --only tak [--quick]
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import Row, drop_database, fresh_database, row, vtoc_server
from tests.processes import VTOC, free_port
from vtoc.tak.cot import position_report

CALLSIGNS = 100
SENDERS = 4
GOAL = 5000


def cot(callsign: int, at: datetime) -> bytes:
    return position_report(
        uid=f"BENCH-{callsign}",
        callsign=f"T-{callsign:03d}",
        lat=59 + callsign / 1000,
        lon=18.0,
        at=at,
        stale=timedelta(minutes=5),
        hae=20,
        ce=10,
        le=10,
        course=90,
        speed=3,
    )


def stream(count: int, start: datetime, offset: int = 0) -> bytes:
    """``count`` events, the callsigns in turn, each event of a callsign 10 ms after its
    last (distinct times: a fix is deduplicated on its asset, time and source)."""
    return b"".join(
        cot(i % CALLSIGNS, start + timedelta(milliseconds=10 * (i // CALLSIGNS)))
        for i in range(offset, offset + count)
    )


def stored(database_url: str, expected: int, timeout: float = 300) -> None:
    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as conn:
            while conn.execute(text("SELECT count(*) FROM position_fixes")).scalar_one() < expected:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"fewer than {expected} fixes stored in {timeout} s")
                conn.rollback()
                time.sleep(0.02)
    finally:
        engine.dispose()


def gateway(api: str, token: str, home: str) -> tuple[subprocess.Popen[str], int]:
    """``vtoc tak serve`` on a free port, once it says it listens."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}
    env |= {"VTOC_API_URL": api, "VTOC_TOKEN": token, "XDG_CONFIG_HOME": home}
    ports = ("--port", str(port), "--udp-port", str(free_port()))
    process = subprocess.Popen(
        [*VTOC, "tak", "serve", "--host", "127.0.0.1", *ports, "--create-assets"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = threading.Event()

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if "TAK gateway on" in line:
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    if not ready.wait(60):
        process.terminate()
        raise RuntimeError("the gateway did not start")
    return process, port


def send(port: int, payload: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):  # the assets it sends, until it closes: it has read all
            pass


def run(quick: bool) -> list[Row]:
    name = "vtoc_bench_tak"
    url = fresh_database(name)
    count = 2000 if quick else 60_000
    start = datetime.now(UTC) - timedelta(hours=1)
    try:
        with (
            tempfile.TemporaryDirectory() as home,
            vtoc_server(url, Path(home)) as (api, token),
        ):
            process, port = gateway(api, token, home)
            try:
                send(port, stream(CALLSIGNS, start))  # the assets, registered once
                stored(url, CALLSIGNS)
                share = count // SENDERS
                payloads = [stream(share, start, CALLSIGNS + n * share) for n in range(SENDERS)]
                started = time.perf_counter()
                with ThreadPoolExecutor(SENDERS) as pool:
                    list(pool.map(lambda payload: send(port, payload), payloads))
                stored(url, CALLSIGNS + share * SENDERS)
                elapsed = time.perf_counter() - started
                load = os.getloadavg()[0]
            finally:
                process.terminate()
                process.wait(timeout=30)
    finally:
        drop_database(name)
    rate = share * SENDERS / elapsed
    return [
        row(
            f"CoT events through the TAK gateway to stored fixes (PostgreSQL; load {load:.1f})",
            rate,
            "events/s",
            f">= {GOAL}",
            rate >= GOAL if not quick else None,
        )
    ]
