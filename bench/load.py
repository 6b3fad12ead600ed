"""Mixed reads and writes from 50 concurrent clients on loopback: throughput, p50/p99, errors.

A real `vtoc server run` (two workers, PostgreSQL) under the default rate limits; each virtual
user holds one of ten operator tokens. Four in five requests read (lists, one row, the
dashboard), one in five writes (a keyed create). Any answer other than 200/201 is an error.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.common import Row, fresh_database, row, vtoc_server

USERS = 50


async def user(
    http: httpx.AsyncClient,
    token: str,
    ids: list[int],
    until: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random()
    while time.monotonic() < until:
        pick = rng.random()
        started = time.perf_counter()
        try:
            if pick < 0.2:
                response = await http.post(
                    "/api/v1/operations",
                    json={"name": f"Load {uuid.uuid4().hex[:8]}"},
                    headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                )
            elif pick < 0.5:
                response = await http.get("/api/v1/operations?limit=20", headers=headers)
            elif pick < 0.8:
                response = await http.get(f"/api/v1/operations/{rng.choice(ids)}", headers=headers)
            else:
                response = await http.get("/api/v1/dashboard", headers=headers)
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status_code not in (200, 201):
            errors.append(f"{response.status_code} {response.request.url.path}")


async def drive(url: str, admin_token: str, seconds: float) -> tuple[list[float], list[str], float]:
    limits = httpx.Limits(max_connections=USERS, max_keepalive_connections=USERS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
        admin = {"Authorization": f"Bearer {admin_token}"}
        tokens = []
        for i in range(10):
            made = await http.post(
                "/api/v1/tokens", json={"name": f"load-{i}", "role": "operator"}, headers=admin
            )
            made.raise_for_status()
            tokens.append(made.json()["token"])
        ids = []
        for i in range(50):  # rows for the single-row reads
            made = await http.post("/api/v1/operations", json={"name": f"Seed {i}"}, headers=admin)
            made.raise_for_status()
            ids.append(made.json()["id"])
        latencies: list[float] = []
        errors: list[str] = []
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(
            *(
                user(http, tokens[i % len(tokens)], ids, until, latencies, errors)
                for i in range(USERS)
            )
        )
        return latencies, errors, time.monotonic() - started


def run(quick: bool) -> list[Row]:
    seconds = 4.0 if quick else 60.0
    url = fresh_database("vtoc_bench_load")
    with tempfile.TemporaryDirectory() as home, vtoc_server(url, Path(home)) as (api, token):
        latencies, errors, elapsed = asyncio.run(drive(api, token, seconds))
    cuts = statistics.quantiles(latencies, n=100)
    return [
        row(
            f"mixed load, {USERS} concurrent, {seconds:g} s",
            len(latencies) / elapsed,
            "req/s",
            "-",
            None,
        ),
        row("mixed load p50", cuts[49] * 1000, "ms", "-", None),
        row("mixed load p99", cuts[98] * 1000, "ms", "< 1000 ms", cuts[98] < 1.0),
        row(
            "mixed load errors" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""),
            len(errors),
            "requests",
            "0",
            not errors,
        ),
    ]
