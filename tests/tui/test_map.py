"""The map at 80x24 against a real server: zoom and pan by keys, the grid and scale, MGRS
beside lat/lon, trails that grow as fixes are posted, and a replay of a past period."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import DataTable, Static

from tests.tui.conftest import LiveServer, Terminal, until
from vtoc.schemas import AssetCreate, AssetKind, FixIn, Role
from vtoc.tui.app import VtocApp
from vtoc.tui.replay import Replay
from vtoc.tui.screens.map import MapScreen

pytestmark = pytest.mark.asyncio


def scale_line(app: VtocApp) -> str:
    return str(app.screen.query_one("#map-scale", Static).content)


def grid_step(app: VtocApp) -> float:
    found = re.search(r"grid ([0-9.e-]+)°", scale_line(app))
    assert found, scale_line(app)
    return float(found.group(1))


def new_asset(server: LiveServer, lat: float, lon: float) -> tuple[int, str]:
    name = f"trk-{uuid.uuid4().hex[:8]}"
    with server.sync() as api:
        asset = api.assets.create(AssetCreate(name=name, kind=AssetKind.vehicle, lat=lat, lon=lon))
    return asset.id, name


def post(server: LiveServer, name: str, *fixes: tuple[datetime, float, float]) -> None:
    with server.sync() as api:
        result = api.post_positions(
            [FixIn(asset=name, at=at, lat=lat, lon=lon) for at, lat, lon in fixes]
        )
    assert result.stored == len(fixes), result


async def select(app: VtocApp, name: str) -> None:
    """Highlight the asset's row, as the arrow keys would."""
    table = app.screen.query_one("#map-list", DataTable)

    def row() -> object:
        return next((k for k in table.rows if str(table.get_row(k)[0]) == name), None)

    await until(row, app)
    table.move_cursor(row=table.get_row_index(row()))  # type: ignore[arg-type]


async def test_zoom_and_pan_change_what_the_map_shows(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await terminal.sees("grid ")
        assert "km" in scale_line(app) or " m" in scale_line(app)
        before = grid_step(app)
        canvas_before = terminal.text()
        await pilot.press("plus", "plus")
        await until(lambda: grid_step(app) < before, app)
        assert grid_step(app) <= before / 3  # two halvings: a quarter of the width
        await pilot.press("minus", "minus", "minus")
        await until(lambda: grid_step(app) > before, app)
        zoomed_out = terminal.text()
        assert zoomed_out != canvas_before
        await pilot.press("l")  # east: the grid's labels slide west
        await until(lambda: terminal.text() != zoomed_out, app)
        await pilot.press("tab")  # the canvas: the arrows pan it, the list stays
        table = app.screen.query_one("#map-list", DataTable)
        row = table.cursor_row
        panned = terminal.text()
        await pilot.press("down")
        await until(lambda: terminal.text() != panned, app)
        assert table.cursor_row == row
        await pilot.press("f")
        await until(lambda: grid_step(app) == before, app)


async def test_the_selected_asset_shows_mgrs_beside_lat_lon(server: LiveServer) -> None:
    _, name = new_asset(server, 59.91, 10.75)
    app = VtocApp(server.client(Role.viewer), live=False)
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await terminal.sees("grid ")
        await select(app, name)
        await terminal.sees("59.91000, 10.75000  32V NM 97868 42681")


async def test_a_posted_fix_moves_the_asset_and_grows_its_trail(server: LiveServer) -> None:
    asset_id, name = new_asset(server, 60.0, 11.0)
    now = datetime.now(UTC)
    post(server, name, (now - timedelta(minutes=5), 60.0, 11.0))
    app = VtocApp(server.client(Role.viewer))
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await terminal.sees("grid ")
        screen = app.screen
        assert isinstance(screen, MapScreen)
        await until(lambda: len(screen.trails.of(asset_id)) == 1, app)
        await select(app, name)
        await pilot.press(*"+++")  # close in: the trail spans several cells
        post(server, name, (now, 60.01, 11.02))  # an asset.moved event carries it here
        await until(lambda: len(screen.trails.of(asset_id)) == 2, app, timeout=30)
        await terminal.sees("60.01000, 11.02000")
        assert [(s.lat, s.lon) for s in screen.trails.of(asset_id)] == [
            (60.0, 11.0),
            (60.01, 11.02),
        ]


async def test_replay_plays_a_past_period_with_its_trails(server: LiveServer) -> None:
    asset_id, name = new_asset(server, 61.0, 12.0)
    now = datetime.now(UTC)
    path = [
        (now - timedelta(minutes=50 - 10 * i), 61.0 + i * 0.01, 12.0 + i * 0.01) for i in range(5)
    ]
    post(server, name, *path)
    period = Replay(now - timedelta(hours=1), now, speed=3600)  # one hour in about a second
    app = VtocApp(server.client(Role.viewer), replay=period)
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)):
        await terminal.sees("replay ")
        screen = app.screen
        assert isinstance(screen, MapScreen)
        await until(lambda: "done" in terminal.text(), app, timeout=20)
        trail = [(s.lat, s.lon) for s in screen.trails.of(asset_id)]
        assert trail == [(lat, lon) for _, lat, lon in path[1:]]  # the last 30 minutes
        await select(app, name)
        await terminal.sees("61.04000, 12.04000")
