"""REST API throughput and latency with a million reports stored, against bare FastAPI."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import Row, fresh_database, hello_server, row, vtoc_server, wrk
from bench.datagen import load_fleet, load_reports
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
    engine.dispose()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as home, hello_server() as hello:
        base_rps, _ = wrk(f"{hello}/hello", seconds=seconds)
        rows.append(row("bare FastAPI hello (baseline)", base_rps, "req/s", "-", None))
        with vtoc_server(url, Path(home)) as (api, token):
            list_rps, list_p99 = wrk(f"{api}/api/v1/intel?limit=50", token=token, seconds=seconds)
            rows.append(
                row(
                    "GET /intel?limit=50",
                    list_rps,
                    "req/s",
                    ">= 0.5x baseline",
                    list_rps >= 0.5 * base_rps,
                    base_rps,
                )
            )
            rows.append(row("GET /intel?limit=50 p99", list_p99, "ms", "< 50 ms", list_p99 < 50))
            get_rps, _ = wrk(f"{api}/api/v1/intel/{reports // 2}", token=token, seconds=seconds)
            rows.append(
                row(
                    "GET /intel/{id}",
                    get_rps,
                    "req/s",
                    ">= 0.4x baseline",
                    get_rps >= 0.4 * base_rps,
                    base_rps,
                )
            )
            script = Path(home) / "post.lua"
            script.write_text(POST_SCRIPT)
            post_rps, _ = wrk(
                f"{api}/api/v1/operations", token=token, seconds=seconds, script=script
            )
            rows.append(
                row(
                    "POST /operations",
                    post_rps,
                    "req/s",
                    ">= 0.4x baseline",
                    post_rps >= 0.4 * base_rps,
                    base_rps,
                )
            )
            _, search_p99 = wrk(
                f"{api}/api/v1/intel?q=brute+force&limit=50",
                token=token,
                seconds=seconds,
                connections=10,
            )
            rows.append(row("q= search p99", search_p99, "ms", "< 100 ms", search_p99 < 100))
    return rows
