"""`python -m bench [--quick] [--only NAME ...]`: run every benchmark, print one table and
append it to docs/benchmarks.md with the date, the machine and the commit.

Each benchmark works in its own PostgreSQL database (``vtoc_bench_<name>``); set
``VTOC_BENCH_DB_TAG=_mine`` to run beside another run (CI, a second worktree) without
sharing them."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.common import Row

BENCHMARKS = [
    "api",
    "cli_startup",
    "sse_latency",
    "ingest",
    "analyzer",
    "tui",
    "load",
    "tracks",
    "tak",
    "map",
    "ssh",
    "journal",
]
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB, {cpu}"


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def render(rows: list[tuple[str, Row]]) -> tuple[Table, str]:
    table = Table("bench", "figure", "vTOC", "unit", "baseline", "ratio", "goal", "pass")
    lines = [
        "| bench | figure | vTOC | unit | baseline | ratio | goal | pass |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        verdict = {True: "yes", False: "NO", None: "-"}[r["passed"]]  # type: ignore[index]
        cells = [
            name,
            str(r["figure"]),
            str(r["value"]),
            str(r["unit"]),
            "-" if r["baseline"] is None else str(r["baseline"]),
            "-" if r["ratio"] is None else f"{r['ratio']}x",
            str(r["goal"]),
            verdict,
        ]
        table.add_row(*cells)
        lines.append("| " + " | ".join(cells) + " |")
    return table, "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="run only these")
    parser.add_argument("--no-record", action="store_true", help="do not append to the docs")
    args = parser.parse_args()
    console = Console()
    results: list[tuple[str, Row]] = []
    failed: list[str] = []
    for name in args.only or BENCHMARKS:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                console.print(f"[yellow]{name}: not written yet, skipped[/]")
                continue
            raise
        started = time.monotonic()
        console.print(f"running {name} …")
        try:
            results.extend((name, r) for r in module.run(args.quick))
        except Exception as exc:  # one broken benchmark must not hide the others
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
            console.print(f"[red]{name} failed: {exc}[/]")
        console.print(f"  {name} took {time.monotonic() - started:.1f} s")
    table, markdown = render(results)
    console.print(table)
    if not args.quick and not args.no_record:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with RESULTS.open("a") as fh:
            fh.write(f"\n## {stamp} — commit {commit()}\n\nMachine: {machine()}\n\n{markdown}\n")
            for failure in failed:
                fh.write(f"\nFailed: {failure}\n")
    for failure in failed:
        console.print(f"[red]{failure}[/]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
