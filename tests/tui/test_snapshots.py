"""What the operator sees at 80x24, compared with reviewed SVG snapshots.

Deterministic: the data is the seeded scenario with every timestamp frozen, the TUI's
clock is frozen too, the live feed is off. ``pytest --snapshot-update`` re-records them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from textual.pilot import Pilot

from tests.tui.conftest import FROZEN, LiveServer, screen_text, until
from vtoc.schemas import FixSource, Role
from vtoc.server.models import Asset, IntelReport, PositionFix
from vtoc.tui.app import VtocApp
from vtoc.tui.screens.dashboard import DashboardScreen
from vtoc.tui.screens.detail import IntelScreen
from vtoc.tui.screens.dialogs import HelpScreen
from vtoc.tui.screens.lists import ListScreen
from vtoc.tui.screens.map import MapScreen

SnapCompare = Callable[..., bool]
pytestmark = pytest.mark.usefixtures("frozen_clock")


def app_on(server: LiveServer) -> VtocApp:
    return VtocApp(server.client(Role.viewer), live=False)


def settle(*keys: str, ready: Callable[[VtocApp], bool]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, VtocApp)
        await until(
            lambda: isinstance(app.screen, DashboardScreen) and "active" in screen_text(app), app
        )
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await until(lambda: ready(app), app)
        await pilot.pause()

    return run_before


def test_dashboard(snap_compare: SnapCompare, frozen_server: LiveServer) -> None:
    ready = settle(ready=lambda app: "Recent events" in screen_text(app))
    assert snap_compare(app_on(frozen_server), terminal_size=(80, 24), run_before=ready)


def test_operations_list(snap_compare: SnapCompare, frozen_server: LiveServer) -> None:
    ready = settle(
        "2",
        ready=lambda app: isinstance(app.screen, ListScreen) and app.screen.table.row_count == 4,
    )
    assert snap_compare(app_on(frozen_server), terminal_size=(80, 24), run_before=ready)


def test_intel_list_shows_flood_hits(snap_compare: SnapCompare, frozen_server: LiveServer) -> None:
    """A flood-suppressed report says how often it fired; one-off reports stay blank."""
    with frozen_server.engine.begin() as conn:
        second = conn.scalar(
            select(IntelReport.id).order_by(IntelReport.id.desc()).offset(1).limit(1)
        )
        conn.execute(update(IntelReport).where(IntelReport.id == second).values(occurrences=12))
    ready = settle(
        "5", ready=lambda app: isinstance(app.screen, ListScreen) and "x12" in screen_text(app)
    )
    assert snap_compare(app_on(frozen_server), terminal_size=(80, 24), run_before=ready)


def test_intel_detail(snap_compare: SnapCompare, frozen_server: LiveServer) -> None:
    ready = settle(
        "5",
        "enter",
        ready=lambda app: (
            isinstance(app.screen, IntelScreen)
            and "correlat" in screen_text(app)
            and "loading" not in screen_text(app)
        ),
    )
    assert snap_compare(app_on(frozen_server), terminal_size=(80, 24), run_before=ready)


def test_map_with_a_trail(snap_compare: SnapCompare, frozen_server: LiveServer) -> None:
    """The first listed asset came north-east over 20 minutes: zoomed in on it, its trail,
    the coast, the grid with its labels, the scale, and its place in MGRS beside lat/lon,
    at 80x24."""
    with frozen_server.engine.begin() as conn:
        first = conn.execute(
            select(Asset.id, Asset.lat, Asset.lon)
            .where(Asset.lat.is_not(None))
            .order_by(Asset.name)
            .limit(1)
        ).one()
        conn.execute(update(Asset).where(Asset.id == first.id).values(position_at=FROZEN))
        conn.execute(
            insert(PositionFix),
            [
                {
                    "asset_id": first.id,
                    "at": FROZEN - timedelta(minutes=10 * back),
                    "lat": first.lat - 0.02 * back,
                    "lon": first.lon - 0.05 * back,
                    "source": FixSource.api,
                    "received_at": FROZEN,
                }
                for back in (2, 1, 0)
            ],
        )
    ready = settle(
        "8",
        "plus",
        "plus",
        "plus",
        ready=lambda app: (
            isinstance(app.screen, MapScreen)
            and len(app.screen.trails.of(first.id)) == 3
            and app.screen.land is not None
        ),
    )
    assert snap_compare(app_on(frozen_server), terminal_size=(80, 24), run_before=ready)


def test_help(snap_compare: SnapCompare, frozen_server: LiveServer) -> None:
    ready = settle("question_mark", ready=lambda app: isinstance(app.screen, HelpScreen))
    assert snap_compare(app_on(frozen_server), terminal_size=(80, 24), run_before=ready)


def test_intel_list_reading_lower_down_counts_new_rows(
    snap_compare: SnapCompare, frozen_server: LiveServer
) -> None:
    """Three reports land above while the operator reads lower down: the rows on screen and
    the selection stay, "▲ 3 new" says what came."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle("5", ready=lambda app: isinstance(app.screen, ListScreen))(pilot)
        app = pilot.app
        assert isinstance(app.screen, ListScreen)
        table = app.screen.table
        await until(lambda: table.row_count >= 40, app)
        for key in ["down"] * 25 + ["up"] * 5:
            await pilot.press(key)
        newest = table.rows[0]
        for n in (1, 2, 3):  # as saves do: the heading counts them too
            table.show(newest.model_copy(update={"id": newest.id + n}))
        await pilot.pause()

    assert snap_compare(app_on(frozen_server), terminal_size=(80, 24), run_before=run_before)
