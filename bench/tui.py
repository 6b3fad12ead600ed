"""TUI responsiveness on PostgreSQL, 100 intel reports versus 1M: first paint, keys, memory.

A real ``vtoc server run`` serves a fresh database, first with 100 reports, then with the
same database grown to 1M (``--quick``: 50k) through the COPY generator (bench.datagen).
At each scale the TUI runs headless (Textual's test driver, 80x24) in a separate process,
so its RSS is the TUI's own: it measures the time from start to a painted dashboard, the
p99 time for a down-arrow to be handled while walking 10k keys down the intel list (or to
its end; pages load in the background as it goes, and waits for a page are not counted as
key time since the UI stays responsive), and the time from ``/`` filter submit to the
filtered rows. The machine's load average is recorded with the figures: on a shared
machine the latencies mean little without it.
Goals: the same at 1M as at 100 — first paint < 0.5 s, < 30 ms per key, RSS < 150 MB.

Then a Wazuh flood (20,000 alerts, one sender as fast as the server takes them; ``--quick``:
2,000) into a server the TUI follows live, on the dashboard, the intel list and the events
list: how late the TUI's event loop runs meanwhile (a key waits that long; p99 of 50 ms
sleeps; goal < 50 ms) and how long after the last delivery the TUI shows the last event.

    python -m bench --only tui [--quick]
    python -m bench.tui [--quick] [--flood | --scale]    one half only
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.common import Row

FIRST_PAINT_GOAL_S = 0.5
KEY_GOAL_MS = 30.0
LAG_GOAL_MS = 50.0
CATCH_UP_GOAL_S = 1.0
FILTER_GOAL_MS = 1000.0
RSS_GOAL_MB = 150.0
#: the views a flood is measured on, by the key that opens them ("": the dashboard)
FLOOD_VIEWS = (("dashboard", ""), ("intel list", "5"), ("events list", "7"))


async def until(condition: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the TUI did not get there in time")
        await asyncio.sleep(0.001)


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not ``ru_maxrss``: Linux carries the parent's peak
    over ``fork``+``exec`` into it, and the bench process is large after loading 1M rows."""
    status = Path("/proc/self/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


async def probe(url: str, token: str, keys: int) -> dict[str, float]:
    """Runs in the child process: drive the TUI and time it."""
    from vtoc.client import AsyncVtocClient
    from vtoc.tui.app import VtocApp
    from vtoc.tui.screens.dashboard import DashboardScreen
    from vtoc.tui.screens.lists import ListScreen
    from vtoc.tui.widgets.resource_table import MAX_ROWS

    started = time.perf_counter()
    app = VtocApp(AsyncVtocClient(url, token), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            lambda: isinstance(app.screen, DashboardScreen) and app.screen.board is not None
        )
        await pilot.pause()
        first_paint = time.perf_counter() - started
        await pilot.press("5")
        await until(lambda: isinstance(app.screen, ListScreen) and app.screen.table.row_count)
        screen = app.screen
        assert isinstance(screen, ListScreen)
        table = screen.table
        latencies = []
        for _ in range(keys):
            if table.cursor_row >= table.row_count - 1 and (
                not table.more or table.row_count >= MAX_ROWS
            ):
                break  # the end of the list, or of what a list loads
            before = table.cursor_row
            t0 = time.perf_counter()
            app.simulate_key("down")
            # handled: the cursor moved (or sits on the last loaded row while a page loads)
            await until(lambda b=before: table.cursor_row != b or table.loading_page, 5)
            latencies.append(time.perf_counter() - t0)
            if table.loading_page:
                await until(lambda: not table.loading_page)
        latencies.sort()
        per_key = latencies[int(len(latencies) * 0.99) - 1]
        reached = table.cursor_row + 1
        await pilot.press("slash", *"beacon")
        t0 = time.perf_counter()  # from submit: typing in the prompt is not the filter
        await pilot.press("enter")
        await until(lambda: screen.table.query_text == "beacon" and screen.table.row_count > 0)
        filtered = time.perf_counter() - t0
    rss_mb = peak_rss_mb()
    return {
        "first_paint_s": first_paint,
        "key_ms": per_key * 1000,  # p99
        "rows_reached": float(reached),
        "filter_ms": filtered * 1000,
        "rss_mb": rss_mb,
    }


async def flood_probe(url: str, token: str, view_key: str) -> dict[str, float]:
    """Runs in the child process: follow the flood live; stdin brings the last event id."""
    from vtoc.client import AsyncVtocClient
    from vtoc.tui.app import VtocApp
    from vtoc.tui.screens.dashboard import DashboardScreen

    app = VtocApp(AsyncVtocClient(url, token), live=True)
    lags: list[float] = []

    async def tick() -> None:
        started = time.perf_counter()
        await asyncio.sleep(0.05)
        lags.append(time.perf_counter() - started - 0.05)

    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, DashboardScreen) and app.screen.board)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        if view_key:
            await pilot.press(view_key)
        await asyncio.sleep(1)  # the view loaded
        print("ready", flush=True)  # noqa: T201
        told = asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        while not told.done():
            await tick()
        delivered = time.perf_counter()
        last = int(told.result())
        while not (dashboard.feed and dashboard.feed[0].id >= last):
            if time.perf_counter() - delivered > 300:
                raise RuntimeError("the TUI did not show the last event within 5 minutes")
            await tick()
        caught_up = time.perf_counter() - delivered
        app.exit()
    lags.sort()
    return {"lag_ms": lags[int(len(lags) * 0.99)] * 1000, "catch_up_s": caught_up}


def flood(database_url: str, count: int, view_key: str) -> dict[str, float]:
    """A real server, the TUI following it in a child process, and ``count`` alerts."""
    from bench.common import vtoc_server
    from bench.ingest import alerts
    from vtoc.client import VtocClient

    batches = alerts(count)
    with (
        tempfile.TemporaryDirectory() as home,
        vtoc_server(database_url, Path(home)) as (url, token),
    ):
        probe = subprocess.Popen(
            [sys.executable, "-m", "bench.tui", "--flood-probe", url, token, view_key],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert probe.stdin is not None and probe.stdout is not None
        if probe.stdout.readline().strip() != "ready":
            raise RuntimeError("the TUI did not start")
        with VtocClient(url, token) as client:
            for body in batches:
                client.ingest_wazuh(body)
            last = client.dashboard().recent_events[0].id
        probe.stdin.write(f"{last}\n")
        probe.stdin.flush()
        found: dict[str, float] = json.loads(probe.stdout.read().strip().splitlines()[-1])
        if probe.wait() != 0:
            raise RuntimeError("the TUI's flood probe failed")
    return found


def flood_rows(count: int, view: str, found: dict[str, float]) -> list[Row]:
    from bench.common import row

    during = f"a flood of {count:,} Wazuh alerts, {view} open"
    return [
        row(
            f"event-loop lag p99 during {during}",
            found["lag_ms"],
            "ms",
            f"< {LAG_GOAL_MS} ms",
            found["lag_ms"] < LAG_GOAL_MS,
        ),
        row(
            f"last event shown, after the last delivery of {during}",
            found["catch_up_s"],
            "s",
            f"< {CATCH_UP_GOAL_S} s",
            found["catch_up_s"] < CATCH_UP_GOAL_S,
        ),
    ]


def measure(database_url: str, keys: int) -> dict[str, float]:
    """One probe of the TUI against a fresh server on the database as it is now."""
    from bench.common import vtoc_server

    with (
        tempfile.TemporaryDirectory() as home,
        vtoc_server(database_url, Path(home)) as (url, token),
    ):
        load = os.getloadavg()[0]
        done = subprocess.run(
            [sys.executable, "-m", "bench.tui", "--probe", url, token, str(keys)],
            capture_output=True,
            text=True,
            check=True,
        )
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    found["load"] = max(load, os.getloadavg()[0])
    return found


def rows_for(reports: int, found: dict[str, float]) -> list[Row]:
    from bench.common import row

    scale = f"{reports:,} reports"
    return [
        row(
            f"first paint (dashboard, {scale})",
            found["first_paint_s"],
            "s",
            f"< {FIRST_PAINT_GOAL_S} s",
            found["first_paint_s"] < FIRST_PAINT_GOAL_S,
        ),
        row(
            f"down-arrow p99, {found['rows_reached']:,.0f} rows walked ({scale})",
            found["key_ms"],
            "ms/key",
            f"< {KEY_GOAL_MS} ms",
            found["key_ms"] < KEY_GOAL_MS,
        ),
        row(
            f"/ filter to rows ({scale})",
            found["filter_ms"],
            "ms",
            f"< {FILTER_GOAL_MS:.0f} ms",
            found["filter_ms"] < FILTER_GOAL_MS,
        ),
        row(
            f"TUI RSS ({scale})",
            found["rss_mb"],
            "MB",
            f"< {RSS_GOAL_MB:.0f} MB",
            found["rss_mb"] < RSS_GOAL_MB,
        ),
        row(f"load average, 1 min, 2 cores ({scale})", found["load"], "", "-", None),
    ]


def run(quick: bool, *, scale: bool = True, floods: bool = True) -> list[Row]:
    """The probe process imports none of this (SQLAlchemy, the test helpers): its RSS is
    the TUI's alone."""
    results = scale_rows(quick) if scale else []
    if floods:
        results += flood_rows_all(quick)
    return results


def scale_rows(quick: bool) -> list[Row]:
    from bench.common import fresh_database
    from bench.datagen import load_fleet, load_reports, settle
    from vtoc.server.db import make_engine

    small, large = 100, 50_000 if quick else 1_000_000
    keys = 2_000 if quick else 10_000
    database_url = fresh_database("vtoc_bench_tui")
    engine = make_engine(database_url)
    try:
        load_fleet(engine, assets=200, operations=20)
        load_reports(engine, small)
        settle(engine, "intel_reports")
        results = rows_for(small, measure(database_url, keys))
        load_reports(engine, large - small, seed=2)
        settle(engine, "intel_reports")
        results += rows_for(large, measure(database_url, keys))
    finally:
        engine.dispose()
    return results


def flood_rows_all(quick: bool) -> list[Row]:
    from bench.common import drop_database, fresh_database

    alerts = 2_000 if quick else 20_000
    results: list[Row] = []
    for view, key in FLOOD_VIEWS:
        flood_url = fresh_database("vtoc_bench_tui_flood")
        try:
            results += flood_rows(alerts, view, flood(flood_url, alerts, key))
        finally:
            drop_database("vtoc_bench_tui_flood")
    return results


def main() -> None:
    if sys.argv[1:2] == ["--flood-probe"]:
        found = asyncio.run(flood_probe(sys.argv[2], sys.argv[3], sys.argv[4]))
        print(json.dumps(found))  # noqa: T201
        return
    if sys.argv[1:2] == ["--probe"]:
        url, token, keys = sys.argv[2], sys.argv[3], int(sys.argv[4])
        print(json.dumps(asyncio.run(probe(url, token, keys))))  # noqa: T201
        return
    only_flood, only_scale = "--flood" in sys.argv, "--scale" in sys.argv
    for r in run(quick="--quick" in sys.argv, scale=not only_flood, floods=not only_scale):
        print(r)  # noqa: T201


if __name__ == "__main__":
    main()
