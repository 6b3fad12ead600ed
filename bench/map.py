"""The TUI map with 1,000 moving assets: how long a frame takes (goal: p99 < 50 ms).

A real ``vtoc server run`` on PostgreSQL holds 1,000 assets with positions; the TUI runs
headless (Textual's test driver, 80x24, as the tui bench does) with the map open. Each
frame, every asset moves: 1,000 ``asset.moved`` events go through the map's own live path
(``apply_events``: positions, trails, one redraw) and Textual paints the result; a frame is
the time from the events' arrival to the painted screen. The trails grow as it goes (up to
the frames measured), so later frames draw more than the first.

A frame ends when the screen has been painted (``wait_for_refresh``). It used to end with
``pilot.pause()``, which returns only once a 20 ms slice has passed with (almost) no work
after the paint: every frame carried at least 20 ms of that probe, 40 % of the goal.

    python -m bench --only map [--quick]
"""

from __future__ import annotations

import asyncio
import math
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Row, drop_database, fresh_database, row, vtoc_server

ASSETS = 1000
FRAME_GOAL_MS = 50.0


def place(asset: int, step: int) -> tuple[float, float]:
    """Where ``asset`` is at ``step``: each on its own circle around Stockholm."""
    angle = step / 20 + asset
    return 59.3 + 0.2 * math.sin(angle) + (asset % 40) / 100, 18.0 + 0.3 * math.cos(angle)


async def frames(url: str, token: str, count: int) -> list[float]:
    """Open the map on the server's assets and time ``count`` frames of 1,000 moves each."""
    from vtoc import schemas as s
    from vtoc.client import AsyncVtocClient
    from vtoc.tui.app import VtocApp
    from vtoc.tui.screens.map import MapScreen

    app = VtocApp(AsyncVtocClient(url, token), live=False)
    timings = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        deadline = time.monotonic() + 300
        while not (
            isinstance(app.screen, MapScreen)
            and len(app.screen.assets) == ASSETS
            and all(worker.is_finished for worker in app.workers)  # trails and coast read
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the map did not show the assets")
            await asyncio.sleep(0.01)
        screen = app.screen
        ids = sorted(screen.assets)
        start = datetime.now(UTC)
        for step in range(1, count + 1):
            at = (start + timedelta(seconds=step)).isoformat()
            batch = [
                s.Event(
                    id=step * ASSETS + n,
                    ts=datetime.now(UTC),
                    actor="bench",
                    kind=s.EventKind.asset_moved,
                    entity=s.Entity.asset,
                    entity_id=asset_id,
                    operation_id=None,
                    data=dict(zip(("lat", "lon"), place(n, step), strict=True)) | {"at": at},
                )
                for n, asset_id in enumerate(ids)
            ]
            started = time.perf_counter()
            screen.apply_events(batch)
            await screen.wait_for_refresh()  # Textual has painted the frame
            timings.append((time.perf_counter() - started) * 1000)
            await pilot.pause()  # idle again before the next batch, as between live ones
    return timings


def run(quick: bool) -> list[Row]:
    from vtoc.client import VtocClient

    name = "vtoc_bench_map"
    url = fresh_database(name)
    try:
        with (
            tempfile.TemporaryDirectory() as home,
            vtoc_server(url, Path(home)) as (api, token),
        ):
            now = datetime.now(UTC).isoformat()
            fixes = [
                {"asset": f"M-{n:04d}", "at": now, "lat": lat, "lon": lon}
                for n in range(ASSETS)
                for lat, lon in [place(n, 0)]
            ]
            with VtocClient(api, token) as client:
                client.post_positions(fixes, create_assets=True)
            timings = sorted(asyncio.run(frames(api, token, 10 if quick else 120)))
            load = os.getloadavg()[0]
    finally:
        drop_database(name)
    p99 = timings[max(0, math.ceil(len(timings) * 0.99) - 1)]
    return [
        row(
            f"TUI map frame, {ASSETS:,} assets all moving, p99 (80x24; load {load:.1f})",
            p99,
            "ms",
            f"< {FRAME_GOAL_MS:g}",
            p99 < FRAME_GOAL_MS if not quick else None,
        )
    ]
