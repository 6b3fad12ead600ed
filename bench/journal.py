"""An operation's timeline under a long history, and a journal entry's way to other clients.

A fresh PostgreSQL database gets one operation with 1,000,000 events and 100,000 journal
entries over 30 days (COPY, ``bench.datagen.load_timeline``): a tenth of the events are the
moves and edits of the ten assets its mission uses, which belong to no operation, as the
positions feed records them. A real ``vtoc server run`` (two workers) serves it. Measured:

- a timeline page of 50 for one client, in order from random points of its history (the
  newest page, the oldest, and pages ``since`` a random time, as an operator scrolls or
  jumps): median, goal < 20 ms;
- the same pages from 10 clients at once: p99, goal < 100 ms;
- filing an entry to its ``journal.created`` frame on 10 other clients' streams: p99,
  goal < 100 ms (``bench.sse_latency``'s harness).

    python -m bench.journal [--quick]

``VTOC_BENCH_KEEP=1`` keeps the database after the run and measures the kept one on the
next (built only when missing): the load takes minutes, the measurement does not.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import Row, database_url, drop_database, fresh_database, row, vtoc_server
from bench.datagen import load_fleet, load_timeline, next_id
from bench.sse_latency import Write, measure, percentile

DATABASE = "vtoc_bench_journal"
PAGE = 50
DAYS = 30
ONE_CLIENT_GOAL_MS = 20.0
TEN_CLIENTS_GOAL_MS = 100.0
STREAM_GOAL_MS = 100.0
CLIENTS = 10


def page_params(rng: random.Random, now: datetime) -> dict[str, Any]:
    """Where an operator reads: the newest page, the oldest, or from a random moment."""
    pick = rng.random()
    if pick < 0.2:
        return {"limit": PAGE, "order": "desc"}
    if pick < 0.3:
        return {"limit": PAGE}
    since = now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
    return {"limit": PAGE, "since": since.isoformat(), "order": rng.choice(["asc", "desc"])}


async def read_pages(
    http: httpx.AsyncClient, path: str, count: int, seed: int, now: datetime
) -> list[float]:
    """``count`` pages one after another; each page's latency in ms."""
    rng = random.Random(seed)
    latencies = []
    for _ in range(count):
        params = page_params(rng, now)
        started = time.perf_counter()
        response = await http.get(path, params=params)
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        assert len(response.json()["items"]) <= PAGE
    return latencies


async def timeline_latencies(
    url: str, token: str, operation_id: int, clients: int, pages: int
) -> list[float]:
    path = f"/api/v1/operations/{operation_id}/timeline"
    headers = {"Authorization": f"Bearer {token}"}
    now = datetime.now(UTC)
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=limits) as http:
        await read_pages(http, path, 5, seed=0, now=now)  # warm: connections, plans
        runs = await asyncio.gather(
            *(read_pages(http, path, pages, seed=n + 1, now=now) for n in range(clients))
        )
    return [latency for run in runs for latency in run]


def kept_operation(name: str) -> int | None:
    """The operation of a database a run with ``VTOC_BENCH_KEEP`` left, if there is one."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from vtoc.server.db import make_engine

    engine = make_engine(database_url(name))
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT min(operation_id) FROM journal_entries"))
            return found.scalar()
    except OperationalError:  # no such database
        return None
    finally:
        engine.dispose()


def run(quick: bool) -> list[Row]:
    from vtoc.server.db import make_engine

    events, entries = (2_000, 200) if quick else (1_000_000, 100_000)
    pages, posts = (20, 10) if quick else (300, 100)
    keep = os.environ.get("VTOC_BENCH_KEEP") == "1"
    if keep and (found := kept_operation(DATABASE)) is not None:
        url, operation_id = database_url(DATABASE), found
    else:
        url = fresh_database(DATABASE)
        engine = make_engine(url)
        operation_id = next_id(engine, "operations")
        load_fleet(engine, assets=10, operations=1)
        load_timeline(engine, operation_id, events=events, entries=entries, days=DAYS)
        engine.dispose()
    size = f"{events:,} events + {entries:,} entries"
    entry = Write(
        "/api/v1/journal",
        lambda i: {"text": f"bench entry {i}", "kind": "contact", "operation_id": operation_id},
        "journal.",
    )
    try:
        with tempfile.TemporaryDirectory() as home, vtoc_server(url, Path(home)) as (api, token):
            alone = asyncio.run(timeline_latencies(api, token, operation_id, 1, pages))
            crowd = asyncio.run(timeline_latencies(api, token, operation_id, CLIENTS, pages))
            delivered, _ = asyncio.run(measure(api, token, CLIENTS, posts, 0.05, entry))
    finally:
        if not keep:
            drop_database(DATABASE)
    one = statistics.median(alone)
    ten = percentile(crowd, 99)
    stream = percentile(delivered, 99)
    return [
        row(
            f"timeline page of {PAGE} p50, 1 client, {size}",
            one,
            "ms",
            f"< {ONE_CLIENT_GOAL_MS:g} ms",
            one < ONE_CLIENT_GOAL_MS,
        ),
        row(
            f"timeline page of {PAGE} p99, {CLIENTS} clients",
            ten,
            "ms",
            f"< {TEN_CLIENTS_GOAL_MS:g} ms",
            ten < TEN_CLIENTS_GOAL_MS,
            baseline=percentile(alone, 99),
        ),
        row(
            f"entry → {CLIENTS} other clients' streams p99",
            stream,
            "ms",
            f"< {STREAM_GOAL_MS:g} ms",
            stream < STREAM_GOAL_MS,
        ),
    ]


def main() -> None:
    for result in run(quick="--quick" in sys.argv[1:]):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
