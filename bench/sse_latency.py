"""POST → SSE delivery latency on PostgreSQL with 1, 50 and 200 subscribers.

A real ``vtoc server run`` (two workers, as deployed) serves a fresh database. N subscribers
stream ``/api/v1/events/stream`` (in this process), then operations are created one at a time
over HTTP from another thread; an event's latency for a subscriber is the time from just
before its POST was sent to the arrival of its SSE frame. Goal: p99 < 100 ms at 200.

    python -m bench.sse_latency [--quick]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from bench.common import Row, fresh_database, row, vtoc_server

STREAM = "/api/v1/events/stream"
GOAL_MS = 100.0


class Write(NamedTuple):
    """What the poster creates, and the kind prefix its events carry: a row whose id is its
    event's ``entity_id``."""

    path: str
    body: Callable[[int], dict[str, Any]]
    kind: str


OPERATIONS = Write("/api/v1/operations", lambda i: {"name": f"bench {i}"}, "operation.")


async def frames(response: httpx.Response) -> AsyncIterator[bytes]:
    """SSE frames as they arrive. A lean reader, so that with 200 streams in one process the
    harness measures the server's delivery more than its own parsing."""
    buffer = b""
    async for chunk in response.aiter_raw():
        *complete, buffer = (buffer + chunk).split(b"\r\n\r\n")
        for frame in complete:
            yield frame


async def subscribe(
    http: httpx.AsyncClient, count: int, ready: asyncio.Semaphore, kind: str
) -> list[tuple[int, float]]:
    """(row id, arrival time) of the next ``count`` events of ``kind``."""
    arrivals: list[tuple[int, float]] = []
    async with http.stream("GET", STREAM, params={"kind": kind}) as response:
        response.raise_for_status()
        async for frame in frames(response):
            if b"\r\ndata: " not in frame:  # the resume point (or a heartbeat)
                ready.release()
                continue
            at = time.perf_counter()
            arrivals.append((json.loads(frame.split(b"\r\ndata: ", 1)[1])["entity_id"], at))
            if len(arrivals) == count:
                break
    return arrivals


def post_all(
    url: str, token: str, posts: int, gap: float, write: Write
) -> tuple[dict[int, float], list[float]]:
    """Create rows one at a time from another thread: when each POST started, and each
    POST's round trip in ms (the write alone: the floor under the delivery latency)."""
    sent: dict[int, float] = {}
    trips: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as poster:
        for i in range(posts):
            started = time.perf_counter()
            response = poster.post(write.path, json=write.body(i))
            response.raise_for_status()
            sent[response.json()["id"]] = started
            trips.append((time.perf_counter() - started) * 1000)
            time.sleep(gap)
    return sent, trips


async def measure(
    url: str, token: str, subscribers: int, posts: int, gap: float, write: Write = OPERATIONS
) -> tuple[list[float], list[float]]:
    """Latencies in ms of every (subscriber, event) pair, and the POSTs' round trips."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=subscribers + 5)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=limits) as http:
        ready = asyncio.Semaphore(0)
        tasks = [
            asyncio.create_task(subscribe(http, posts, ready, write.kind))
            for _ in range(subscribers)
        ]
        for _ in range(subscribers):
            await asyncio.wait_for(ready.acquire(), 60)
        sent, trips = await asyncio.to_thread(post_all, url, token, posts, gap, write)
        results = await asyncio.wait_for(asyncio.gather(*tasks), 120)
    return [(at - sent[op]) * 1000 for arrivals in results for op, at in arrivals], trips


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run(quick: bool) -> list[Row]:
    """p50 and p99 per subscriber count; the baseline is the same percentile with one
    subscriber. Only p99 at the largest count is graded (goal < 100 ms)."""
    levels = (1, 20) if quick else (1, 50, 200)
    posts, gap = (10, 0.05) if quick else (100, 0.1)
    rows: list[Row] = []
    single: dict[int, float] = {}
    url = fresh_database("vtoc_bench_sse")
    with tempfile.TemporaryDirectory() as home, vtoc_server(url, Path(home)) as (api, token):
        for subscribers in levels:
            latencies, trips = asyncio.run(measure(api, token, subscribers, posts, gap))
            for q in (50, 99):
                value = percentile(latencies, q)
                graded = q == 99 and subscribers == levels[-1]
                rows.append(
                    row(
                        f"POST→SSE p{q}, {subscribers} subscriber(s)",
                        value,
                        "ms",
                        f"< {GOAL_MS:g} ms" if graded else "-",
                        value < GOAL_MS if graded else None,
                        baseline=single.get(q),
                    )
                )
                single.setdefault(q, value)
        rows.append(
            row(
                f"POST round trip p50, {levels[-1]} subscribers",
                statistics.median(trips),
                "ms",
                "-",
                None,
            )
        )
    return rows


def main() -> None:
    for result in run(quick="--quick" in sys.argv[1:]):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
