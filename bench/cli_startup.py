"""CLI start-up: `vtoc --help` and `vtoc ops list -o json` wall time, as a ratio to a bare
`python -c pass` measured in the same run (the fixed cost every Python CLI pays)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, fresh_database, row, vtoc_server
from tests.processes import vtoc_env

VTOC = str(Path(sys.executable).with_name("vtoc"))


def wall(argv: list[str], env: dict[str, str] | None, runs: int) -> float:
    """Median wall time of ``runs`` runs after one warm-up (page cache, .pyc files)."""
    subprocess.run(argv, env=env, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(quick: bool) -> list[Row]:
    runs = 5 if quick else 20
    url = fresh_database("vtoc_bench_cli")
    with (
        tempfile.TemporaryDirectory() as home,
        vtoc_server(url, Path(home), workers=1) as (
            api,
            token,
        ),
    ):
        env = vtoc_env(url, Path(home), VTOC_API_URL=api, VTOC_TOKEN=token)
        subprocess.run(
            [VTOC, "ops", "create", "--name", "Bench"], env=env, check=True, capture_output=True
        )
        baseline = wall([sys.executable, "-c", "pass"], env, runs)
        help_time = wall([VTOC, "--help"], env, runs)
        list_time = wall([VTOC, "ops", "list", "-o", "json"], env, runs)
    return [
        row("python -c pass (baseline)", baseline, "s", "-", None),
        row(
            "vtoc --help", help_time, "s", "<= 2.5x baseline", help_time <= 2.5 * baseline, baseline
        ),
        row("vtoc ops list -o json", list_time, "s", "-", None, baseline),
    ]
