"""Tracks benchmark: position fixes into a real server on PostgreSQL, in batches from
parallel senders (the goal: 20,000 fixes/s), and one asset's day at 1 Hz (86,400 fixes)
thinned to 500 points (the goal: under 50 ms; the thinning alone, and the whole GET), and
a map's trails: 500 assets' half hour in one ``GET /tracks``."""

from __future__ import annotations

import math
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.common import Row, drop_database, fresh_database, row, vtoc_server
from vtoc import schemas as s
from vtoc.client import VtocClient
from vtoc.server.services.thinning import keep_shape

BATCH = 5000
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def fixes(asset_count: int, seconds: range) -> list[list[dict[str, object]]]:
    """Batches of 1 Hz fixes of ``asset_count`` assets over ``seconds``, on circles."""
    everything = [
        {
            "asset": f"B-{a:04d}",
            "at": (START + timedelta(seconds=t)).isoformat(),
            "lat": 59.0 + 0.01 * math.sin(t / 600 + a),
            "lon": 18.0 + 0.02 * math.cos(t / 600 + a),
            "speed": 5.0,
            "source": "api",
        }
        for t in seconds
        for a in range(asset_count)
    ]
    return [everything[i : i + BATCH] for i in range(0, len(everything), BATCH)]


def ingest(url: str, token: str, quick: bool) -> Row:
    assets = 100
    batches = fixes(assets, range(20 if quick else 400))
    with VtocClient(url, token) as api:
        api.post_positions(batches[0][:assets], create_assets=True)  # the assets, once
        parallel = 4
        started = time.perf_counter()
        with ThreadPoolExecutor(parallel) as pool:
            clients = [VtocClient(url, token) for _ in range(parallel)]
            results = list(
                pool.map(
                    lambda i: clients[i % parallel].post_positions(batches[i]), range(len(batches))
                )
            )
            elapsed = time.perf_counter() - started
            for client in clients:
                client.close()
    stored = sum(r.stored + r.duplicates for r in results)
    rate = stored / elapsed
    return row(
        "positions ingest, PostgreSQL, 5,000-fix batches",
        rate,
        "fixes/s",
        ">= 20000",
        rate >= 20_000 if not quick else None,
    )


def thinning(url: str, token: str, quick: bool) -> list[Row]:
    n = 86_400
    t = np.arange(n, dtype=np.float64)
    lat = 59.0 + 0.05 * np.sin(t / 3000) + np.cumsum(np.random.default_rng(1).normal(0, 1e-6, n))
    lon = 18.0 + 0.08 * np.cos(t / 5000) + np.cumsum(np.random.default_rng(2).normal(0, 1e-6, n))
    runs = []
    for _ in range(3 if quick else 20):
        started = time.perf_counter()
        keep_shape(lat, lon, 500)
        runs.append((time.perf_counter() - started) * 1000)
    alone = float(np.median(runs))
    rows = [
        row("track thinning, 86,400 fixes to 500 (in-process)", alone, "ms", "< 50", alone < 50)
    ]
    if quick:
        return rows
    day = [
        {
            "asset": "Day-1",
            "at": (START + timedelta(seconds=i)).isoformat(),
            "lat": float(lat[i]),
            "lon": float(lon[i]),
        }
        for i in range(n)
    ]
    with VtocClient(url, token) as api:
        api.assets.create(name="Day-1")
        for i in range(0, n, BATCH):
            api.post_positions(day[i : i + BATCH])
        query = s.TrackQuery(since=START, until=START + timedelta(days=1), max_points=500)
        started = time.perf_counter()
        api.track("Day-1", query)  # the first read stores the day's hourly summaries
        first = (time.perf_counter() - started) * 1000
        served = []
        for _ in range(10):
            started = time.perf_counter()
            track = api.track("Day-1", query)
            served.append((time.perf_counter() - started) * 1000)
        assert track.total == n and len(track.fixes) == 500
    whole = float(np.median(served))
    rows.append(
        row(
            "GET track of 86,400 fixes thinned to 500 (PostgreSQL)", whole, "ms", "< 50", whole < 50
        )
    )
    rows.append(
        row("the same GET's first read (it stores the hours' summaries)", first, "ms", "-", None)
    )
    return rows


def trails(url: str, token: str, quick: bool) -> Row:
    """A map's trails in one ``GET /tracks``: 500 assets' half hour (a fix every 5 s, 360
    each), each thinned to 100 points; many short tracks rather than one long one."""
    assets, every = (50, 30) if quick else (500, 5)
    end = START - timedelta(hours=1)  # before every other fix here: only these assets
    trail = [
        {
            "asset": f"T-{a:04d}",
            "at": (end - timedelta(seconds=every * k)).isoformat(),
            "lat": 59.0 + 0.01 * math.sin(k / 40 + a),
            "lon": 18.0 + 0.02 * math.cos(k / 40 + a),
        }
        for a in range(assets)
        for k in range(1800 // every)
    ]
    query = s.TracksQuery(since=end - timedelta(minutes=30), until=end, max_points=100)
    with VtocClient(url, token) as api:
        for i in range(0, len(trail), BATCH):
            api.post_positions(trail[i : i + BATCH], create_assets=True)
        api.tracks(query)  # warm
        served = []
        for _ in range(3 if quick else 5):
            started = time.perf_counter()
            found = api.tracks(query)
            served.append((time.perf_counter() - started) * 1000)
    assert len(found.tracks) == assets
    assert all(len(t.fixes) == min(100, 1800 // every) for t in found.tracks)
    return row(
        f"GET /tracks, {assets} assets x {1800 // every} fixes thinned to 100 (PostgreSQL)",
        float(np.median(served)),
        "ms",
        "-",
        None,
    )


def run(quick: bool) -> list[Row]:
    name = "vtoc_bench_tracks"
    url = fresh_database(name)
    try:
        with tempfile.TemporaryDirectory() as home, vtoc_server(url, Path(home)) as (api, token):
            return [
                ingest(api, token, quick),
                *thinning(api, token, quick),
                trails(api, token, quick),
            ]
    finally:
        drop_database(name)
