"""Driving the TUI by keys against a real server: every view, filter, drill-down, help."""

from __future__ import annotations

import pytest
from textual.events import MouseScrollDown
from textual.widgets import DataTable, Static

from tests.tui.conftest import LOADED, LiveServer, Terminal, open_list, screen_text, until
from vtoc.schemas import AssetStatus, Role
from vtoc.tui.app import VtocApp
from vtoc.tui.screens.agents import AgentsScreen
from vtoc.tui.screens.dashboard import DashboardScreen
from vtoc.tui.screens.detail import IntelScreen, OperationScreen
from vtoc.tui.screens.dialogs import HelpScreen
from vtoc.tui.screens.events import EventsScreen
from vtoc.tui.screens.lists import ListScreen
from vtoc.tui.screens.map import MapScreen
from vtoc.tui.widgets.resource_table import ResourceTable

pytestmark = pytest.mark.asyncio


async def test_every_view_by_command_and_number(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: "Operations" in screen_text(app) and "active" in screen_text(app), app)
        assert isinstance(app.screen, DashboardScreen)
        assert "overdue" in screen_text(app)
        for command, screen_type, expect in [
            ("ops", ListScreen, "Northern Watch"),
            ("missions", ListScreen, "in_progress"),
            ("assets", ListScreen, "fw-edge-03"),
            ("intel", ListScreen, "SEV"),
            ("agents", AgentsScreen, "analyzer"),
            ("events", EventsScreen, "intel.created"),
            ("map", MapScreen, "unreachable"),
        ]:
            await pilot.press("colon", *command, "enter")
            await until(
                lambda t=expect, k=screen_type: isinstance(app.screen, k) and t in screen_text(app),
                app,
            )
        await pilot.press("1")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("2")
        await until(lambda: isinstance(app.screen, ListScreen), app)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_every_view_reaches_the_terminal_loaded_within_two_seconds(
    server: LiveServer,
) -> None:
    """What the terminal shows, not what the widgets hold: the first visit to Events left
    Textual's spinner over the whole screen for 15-40 s (the screen's own ``loading`` flag
    was Textual's loading reactive, whose cover the screen never repainted away)."""
    app = VtocApp(server.client(Role.viewer))
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await terminal.sees(LOADED["1"])
        for key, loaded in LOADED.items():
            await pilot.press(key)
            await terminal.sees(loaded, timeout=2)
        await pilot.press("7", "ctrl+r")
        await terminal.sees("Events  [", timeout=2)


async def test_unknown_command_says_so(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"nowhere", "enter")
        await until(lambda: any("no view 'nowhere'" in n.message for n in app._notifications), app)
        assert isinstance(app.screen, DashboardScreen)


async def test_filter_is_answered_by_the_server(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await until(
            lambda: isinstance(app.screen, ListScreen) and app.screen.table.row_count >= 4, app
        )
        await pilot.press("slash", *"harbor", "enter")
        table = app.screen.query_one(ResourceTable)
        await until(lambda: table.query_text == "harbor" and table.row_count == 1, app)
        assert table.selected.name == "Iron Harbor"
        assert "/harbor" in screen_text(app)
        await pilot.press("slash", "ctrl+u", "enter")
        await until(lambda: table.query_text is None and table.row_count >= 4, app)


async def test_drill_into_an_operation_and_an_intel_report(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "2")).table
        table.move_cursor(row=table.index_of(1))  # Northern Watch, with missions
        chosen = table.selected
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, OperationScreen), app)
        missions = app.screen.query_one("#op-missions", ResourceTable)
        await until(lambda: missions.row_count > 0, app)
        assert {m.operation_id for m in missions.rows_by_id.values()} == {chosen.id}
        assert chosen.code in screen_text(app)
        await pilot.press("right")  # next tab: the assets those missions use
        await until(
            lambda: (
                "Ranger" in screen_text(app)
                or "Team" in screen_text(app, app)
                or "Hawk" in screen_text(app)
                or "Seismic" in screen_text(app)
            )
        )
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen)
        report = (await open_list(app, pilot, "5")).table.selected
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, IntelScreen), app)
        await until(lambda: "correlat" in screen_text(app), app)
        assert report.title in screen_text(app)


async def test_scrolling_pages_rows_in_from_the_server(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "5")).table
        assert table.row_count == 100 and table.more  # one page, not the whole table
        await pilot.press("ctrl+end")  # the last loaded row; the next page loads on the way
        for _ in range(40):
            if table.row_count == 120:
                break
            await pilot.press("down")
            await pilot.pause(0.1)
        await until(lambda: table.row_count == 120 and not table.more, app)


async def test_mouse_wheel_pages_rows_in_like_the_keys(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "5")).table
        assert table.row_count == 100 and table.more
        cursor = table.cursor_row
        for _ in range(60):  # three lines a notch: past the first page with the mouse alone
            if table.row_count == 120:
                break
            await pilot._post_mouse_events([MouseScrollDown], table, offset=(10, 5))
        await until(lambda: table.row_count == 120 and not table.more, app)
        assert table.cursor_row == cursor  # the wheel scrolled; the selection stayed
        assert table.scroll_y > 50  # the viewport went down to the end of the first page


async def test_help_lists_every_binding(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.press("question_mark")
        await until(lambda: isinstance(app.screen, HelpScreen), app)
        text = screen_text(app)
        for key in ["/", "?", ":", "ctrl+r", "ctrl+p", "escape", "enter", "n", "e", "d", "t"]:
            assert f"{key} " in text, key
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_help_wraps_to_the_terminal_and_lists_the_form_keys(
    server: LiveServer, size: tuple[int, int]
) -> None:
    """On the terminal, not in the widgets: the keys table was cut at 80 and 120 columns."""
    app = VtocApp(server.client(Role.operator), live=False)
    terminal = Terminal(app, size)
    async with app.run_test(size=size) as pilot:
        await terminal.sees("overdue")
        await pilot.press("question_mark")
        await terminal.sees("Keys")
        await pilot.press("end")
        await terminal.sees(":map")  # the end of the longest line, wrapped, not cut
        await terminal.sees("ctrl+s")
        await terminal.sees("Reload after a stale edit")
        await terminal.sees("Next / previous field")


async def test_command_palette_goes_to_a_view(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"go to map")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, MapScreen), app)


async def test_the_map_at_80x24_keeps_its_list_whole_and_its_legend_apart(
    server: LiveServer,
) -> None:
    """The list shows both columns whole (no sideways scrolling), a rule parts it from the
    map, and the legend wraps between statuses, never between a colour and its word."""
    app = VtocApp(server.client(Role.viewer), live=False)
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await terminal.sees("seen ")
        listed = app.screen.query_one("#map-list", DataTable)
        legend = app.screen.query_one("#map-legend", Static)
        assert listed.max_scroll_x == 0
        assert legend.region.x > listed.region.right
        lines = terminal.text().splitlines()[legend.region.y : legend.region.bottom]
        legend_text = " ".join(line[legend.region.x :] for line in lines)
        for status in AssetStatus:
            assert f"⣿ {status.value}" in legend_text
        assert all(line[listed.region.right] == "▏" for line in lines)
