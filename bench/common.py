"""What every benchmark shares: result rows, a PostgreSQL database, servers, wrk."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import create_engine, text

from tests.processes import free_port, mint_token, vtoc_env, wait_ready

Row = dict[str, object]
PG_ADMIN_URL = os.environ.get(
    "VTOC_BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def row(
    figure: str,
    value: float,
    unit: str,
    goal: str,
    passed: bool | None,
    baseline: float | None = None,
) -> Row:
    ratio = round(value / baseline, 3) if baseline else None
    return {
        "figure": figure,
        "value": round(value, 3),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 3),
        "ratio": ratio,
        "goal": goal,
        "passed": passed,
    }


def as_admin(*statements: str) -> None:
    """Run statements on the server's admin database, outside any transaction."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def tagged(name: str) -> str:
    """A benchmark database's name in this run: ``VTOC_BENCH_DB_TAG`` keeps two runs at once
    (CI's bench-quick and a developer's bench, two worktrees) off each other's databases."""
    return name + os.environ.get("VTOC_BENCH_DB_TAG", "")


def drop_database(name: str) -> None:
    """Drop a benchmark's database, and with it the autovacuum work its writes left behind
    (which would otherwise run on the same cores as the next measurement)."""
    as_admin(f'DROP DATABASE IF EXISTS "{tagged(name)}" WITH (FORCE)')


def database_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{tagged(name)}"


def fresh_database(name: str) -> str:
    """An empty, migrated PostgreSQL database for one benchmark (dropped first if left over)."""
    from vtoc.server.db import make_engine
    from vtoc.server.migrate import upgrade

    drop_database(name)
    as_admin(f'CREATE DATABASE "{tagged(name)}"')
    url = database_url(name)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@contextmanager
def process(argv: list[str], url: str, env: dict[str, str] | None = None) -> Iterator[str]:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(url, proc, timeout=60)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def vtoc_server(
    database_url: str, home: Path, workers: int = 2, **settings: str
) -> Iterator[tuple[str, str]]:
    """A real `vtoc server run` on the database (``settings``: extra VTOC_* variables);
    yields (base URL, admin token)."""
    env = vtoc_env(database_url, home, **settings)
    token = mint_token(env, f"bench-{os.getpid()}-{uuid.uuid4().hex[:6]}")  # one per server
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "vtoc",
        "server",
        "run",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-migrate",
    ]
    with process(argv, f"http://127.0.0.1:{port}", env) as url:
        yield url, token


@contextmanager
def hello_server(workers: int = 2, *, stock: bool = False) -> Iterator[str]:
    """The baseline: a bare FastAPI app with the same worker count, listening as vTOC does,
    or (``stock``) under ``uvicorn --workers``, whose shared socket lacks TCP_NODELAY."""
    port = free_port()
    if stock:
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.hello:app",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    else:
        argv = [sys.executable, "-m", "bench.hello", str(port), str(workers)]
    with process(argv, f"http://127.0.0.1:{port}") as url:
        yield url


@contextmanager
def lean_server(database_url: str, workers: int = 2) -> Iterator[str]:
    """The fair baseline (``bench/lean.py``): vTOC's hot routes with vTOC's own SQL on the
    lean stack, the same worker count, listening as vTOC does."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.lean", str(port), str(workers), database_url]
    with process(argv, f"http://127.0.0.1:{port}") as url:
        yield url


class Load(NamedTuple):
    """What wrk measured: requests per second, latency percentiles (ms), and the requests
    that failed (answers other than 2xx/3xx, and reads, writes or connects that failed)."""

    rps: float
    p50: float
    p99: float
    errors: int


def wrk(
    url: str,
    *,
    token: str | None = None,
    seconds: float = 10,
    connections: int = 50,
    script: Path | None = None,
    count_errors: bool = False,
) -> Load:
    """Throughput and latency from wrk over loopback; a failed request is an exception
    unless ``count_errors``."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    # wrk counts an answer slower than its 2 s default as a failed request; on a shared
    # machine a write's tail can reach that, and latency is reported anyway
    argv = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--latency"]
    argv += ["--timeout", "10s"]
    if token:
        argv += ["-H", f"Authorization: Bearer {token}"]
    if script:
        argv += ["-s", str(script)]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(failed.group(1)) if failed else 0
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    if errors and not count_errors:
        raise RuntimeError(f"{errors} failed requests against {url}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Load(rps, percentile(out, 50), percentile(out, 99), errors)


def percentile(wrk_output: str, pct: int) -> float:
    found = re.search(rf"{pct}%\s+([\d.]+)(us|ms|s)\b", wrk_output)
    assert found, wrk_output
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
    return float(found.group(1)) * scale
