"""REST API throughput and latency with a million reports stored, against the lean stack
(``bench/lean.py``: the same SQL and bytes without vTOC's machinery) measured in the same run,
and the bare hello kept for continuity."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    Load,
    Row,
    fresh_database,
    hello_server,
    lean_server,
    row,
    vtoc_server,
    wrk,
)
from bench.datagen import load_fleet, load_reports, settle
from vtoc.server.db import make_engine

POST_SCRIPT = """
wrk.method = "POST"
wrk.body   = '{"name": "Bench op", "description": "load"}'
wrk.headers["Content-Type"] = "application/json"
"""


def run(quick: bool) -> list[Row]:
    reports, seconds = (2_000, 2) if quick else (1_000_000, 10)
    url = fresh_database("vtoc_bench_api")
    engine = make_engine(url)
    load_reports(engine, reports)
    load_fleet(engine, assets=1_000 if quick else 100_000, operations=100 if quick else 10_000)
    settle(engine)
    engine.dispose()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as home:
        with hello_server() as hello:
            base = wrk(f"{hello}/hello", seconds=seconds)
        with hello_server(stock=True) as stock:
            stock_rps = wrk(f"{stock}/hello", seconds=seconds).rps
        rows += [
            row("bare FastAPI hello (baseline)", base.rps, "req/s", "-", None),
            row("bare hello, stock uvicorn --workers 2", stock_rps, "req/s", "-", None, base.rps),
            # Little's law: 50 connections at the hello's rate already wait this long
            row("bare hello p99, 50 connections", base.p99, "ms", "-", None),
        ]
        script = Path(home) / "post.lua"
        script.write_text(POST_SCRIPT)
        # One token sends everything here: the per-token write limit (100/s a worker, bursts
        # of 1,000) would cap POST, and this measures the server, not the limit.
        with (
            lean_server(url) as lean,
            vtoc_server(url, Path(home), VTOC_RATE_LIMIT_PER_SECOND="0") as (api, token),
        ):
            # Each route on the lean stack, then on vTOC, back to back: the machine's load
            # drifts less between the two than over the whole run.
            def both(path: str, **options: Any) -> tuple[Load, Load]:
                return wrk(f"{lean}{path}", **options), wrk(f"{api}{path}", token=token, **options)

            listing = both("/api/v1/intel?limit=50", seconds=seconds)
            rows += [
                ratio_row("GET /intel?limit=50 (baseline: lean stack)", *listing, 0.7),
                row(
                    "GET /intel?limit=50 p99",
                    listing[1].p99,
                    "ms",
                    "< 100 ms",
                    listing[1].p99 < 100,
                    listing[0].p99,
                ),
            ]
            one = wrk(f"{api}/api/v1/intel?limit=50", token=token, seconds=seconds, connections=1)
            rows.append(row("GET /intel?limit=50, one client, median", one.p50, "ms", "-", None))
            # The first page above is answered again while nothing is written (kept reads);
            # the second page is read anew every time: what any other page costs.
            cursor = httpx.get(
                f"{api}/api/v1/intel?limit=50", headers={"Authorization": f"Bearer {token}"}
            ).json()["next_cursor"]
            second = wrk(
                f"{api}/api/v1/intel?limit=50&cursor={cursor}", token=token, seconds=seconds
            )
            rows += [
                row("GET /intel?limit=50, second page (read anew)", second.rps, "req/s", "-", None),
                row("GET /intel?limit=50, second page p99", second.p99, "ms", "-", None),
            ]
            show = both(f"/api/v1/intel/{reports // 2}", seconds=seconds)
            rows += [
                ratio_row("GET /intel/{id} (baseline: lean stack)", *show, 0.7),
                row(
                    "GET /intel/{id} p99",
                    show[1].p99,
                    "ms",
                    "< 50 ms",
                    show[1].p99 < 50,
                    show[0].p99,
                ),
            ]
            post = both("/api/v1/operations", seconds=seconds, script=script)
            rows.append(ratio_row("POST /operations (baseline: lean INSERT + event)", *post, 0.5))
            lean_hello = wrk(f"{lean}/hello", seconds=seconds)
            health = wrk(f"{api}/healthz", seconds=seconds)
            rows.append(ratio_row("GET /healthz (baseline: lean hello)", lean_hello, health, 0.7))
            search = wrk(
                f"{api}/api/v1/intel?q=brute+force&limit=50",
                token=token,
                seconds=seconds,
                connections=10,
            )
            rows.append(row("q= search p99", search.p99, "ms", "< 100 ms", search.p99 < 100))
    return rows


def ratio_row(figure: str, baseline: Load, vtoc: Load, goal: float) -> Row:
    passed = vtoc.rps >= goal * baseline.rps
    return row(figure, vtoc.rps, "req/s", f">= {goal}x baseline", passed, baseline.rps)
