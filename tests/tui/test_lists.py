"""The lists as an operator reads them while rows arrive: the selection and the view stay,
new rows are counted above, a list on its newest row follows, floods are counted, filters
clear with ``esc``, a created row is selected, headings count what is there."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.events import MouseScrollUp
from textual.widgets import Static

from tests.ingest.conftest import ndjson
from tests.tui.conftest import (
    LiveServer,
    Terminal,
    live_alerts,
    open_list,
    painted,
    start_server,
    until,
)
from vtoc.client import VtocClient
from vtoc.schemas import MissionStatus, Role, TokenCreate
from vtoc.tui.app import VtocApp
from vtoc.tui.resources import ASSETS, INTEL, MISSIONS, OPERATIONS, ResourceSpec
from vtoc.tui.screens.dashboard import DashboardScreen
from vtoc.tui.screens.events import EventsScreen
from vtoc.tui.screens.form import FormScreen
from vtoc.tui.screens.lists import ListScreen

pytestmark = pytest.mark.asyncio


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server this module's flood writes into alone."""
    yield from start_server(tmp_path / "vtoc.db", reports=150)


def flood(server: LiveServer, count: int) -> list[int]:
    """``count`` new Wazuh alerts, sent as a sender would; their report ids, newest first."""
    admin = server.sync()
    before = {r.id for r in admin.intel.iterate()}
    alerts = live_alerts(count)
    for start in range(0, count, 250):
        admin.ingest_wazuh(ndjson(alerts[start : start + 250]))
    return [r.id for r in admin.intel.iterate() if r.id not in before]  # the server's order


def heading(app: VtocApp) -> str:
    return painted(app.screen.query_one("#title", Static))


async def test_reading_lower_down_the_selection_and_the_view_survive_1000_new_rows(
    own_server: LiveServer,
) -> None:
    """The operator's row stays selected and the rows on screen stay on screen while 1,000
    reports land above; "1,000 new" says so at the top, and home shows them."""
    app = VtocApp(own_server.client(Role.viewer))
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "5")).table
        for key in ["down"] * 30 + ["up"] * 5:  # down the list, the cursor mid-screen
            await pilot.press(key)
        chosen, top = table.selected, table.rows[table.scroll_offset.y]
        assert table.scroll_offset.y > 0
        new = flood(own_server, 1000)
        await until(lambda: table.unseen == 1000, app, timeout=60)
        await pilot.pause()
        assert table.selected.id == chosen.id
        assert table.rows[table.scroll_offset.y].id == top.id
        assert table.ids[:1000] == new
        shown = painted(table)
        assert "▲ 1,000 new" in shown and chosen.title[:20] in shown
        await pilot._post_mouse_events([MouseScrollUp], table, offset=(10, 5))
        await pilot.pause()
        assert table.selected.id == chosen.id  # the wheel moves the view, not the selection
        await pilot.press("home")
        await until(lambda: table.unseen == 0, app)
        await pilot.pause()
        assert (table.cursor_row, table.scroll_offset.y, table.selected.id) == (0, 0, new[0])
        assert "new" not in painted(table).splitlines()[0]
        assert f"[{table.row_count}+]" in heading(app)  # the heading counts the new rows too


async def test_more_new_rows_than_a_list_takes_are_counted_until_home(
    own_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past what a list reading lower down takes above the view (a flood), it fetches no
    more of them: it counts them, and home starts it again at the newest."""
    monkeypatch.setattr("vtoc.tui.widgets.resource_table.NEWEST_ROWS", 50)
    app = VtocApp(own_server.client(Role.viewer))
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "5")).table
        await pilot.press("down", "down")
        chosen, loaded = table.selected, table.ids
        new = flood(own_server, 300)
        await until(lambda: table.detached and table.unseen == 300, app, timeout=60)
        await until(lambda: not table.catching_up, app)
        assert table.selected.id == chosen.id
        assert table.ids == loaded
        assert "▲ 300 new rows: home shows them" in painted(table)
        await pilot.press("home")
        await until(lambda: table.row_count and table.ids[0] == new[0], app)
        assert not table.detached and table.selected.id == new[0]
        assert "new rows" not in painted(table)


async def test_the_events_list_on_its_newest_row_follows_new_events(server: LiveServer) -> None:
    """As ``tail -f``: a watched log shows each new event on top, selected; lower down the
    selection stays and the new event is counted above."""
    admin = server.sync()
    app = VtocApp(server.client(Role.viewer))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await until(lambda: isinstance(app.screen, EventsScreen) and app.screen.table.row_count)
        assert isinstance(app.screen, EventsScreen)
        table = app.screen.table
        count = table.row_count
        first = admin.operations.create(name=f"Tail {uuid.uuid4().hex[:6]}")
        await until(lambda: table.selected.data.get("name") == first.name, app, timeout=10)
        assert table.cursor_row == 0 and table.selected.kind == "operation.created"
        await pilot.pause()
        assert first.code in painted(table).splitlines()[1]  # the header, then the newest row
        assert f"[{count + 1}]" in heading(app)
        await pilot.press("down")
        chosen = table.selected
        second = admin.operations.create(name=f"Tail {uuid.uuid4().hex[:6]}")
        await until(lambda: table.rows[0].data.get("name") == second.name, app, timeout=10)
        await pilot.pause()
        assert table.selected.id == chosen.id
        assert "▲ 1 new" in painted(table)


async def test_esc_clears_the_filter_before_it_goes_back(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "2")).table
        everything = table.row_count
        await pilot.press("slash", *"no-such-operation", "enter")
        await until(lambda: table.query_text and table.empty_text, app)
        assert "no matches" in painted(table)
        await pilot.press("escape")
        await until(lambda: table.query_text is None and table.row_count == everything, app)
        assert isinstance(app.screen, ListScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_the_events_list_clears_its_kind_filter_with_esc(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await until(lambda: isinstance(app.screen, EventsScreen) and app.screen.table.row_count)
        assert isinstance(app.screen, EventsScreen)
        table = app.screen.table
        await pilot.press("slash", *"nothing.like.this", "enter")
        await until(lambda: table.kind and table.empty_text, app)
        assert "no matches" in painted(table)
        await pilot.press("escape")
        await until(lambda: table.kind is None and table.row_count, app)
        assert isinstance(app.screen, EventsScreen)


async def test_a_search_for_blocked_finds_the_blocked_missions(server: LiveServer) -> None:
    admin = server.sync()
    op = admin.operations.create(name=f"Blocked search {uuid.uuid4().hex[:6]}")
    stuck = admin.missions.create(operation_id=op.id, name="Ford", status="blocked")
    app = VtocApp(server.client(Role.viewer), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "3")).table
        await pilot.press("slash", *"blocked", "enter")
        await until(lambda: table.query_text == "blocked" and stuck.id in table.rows_by_id, app)
        assert {m.status for m in table.rows_by_id.values()} == {MissionStatus.blocked}


async def test_a_created_row_is_selected_and_counted(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.operator), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "2")).table
        await until(lambda: not table.more, app)
        count = table.row_count
        await pilot.press("down", "down", "n")
        await until(lambda: isinstance(app.screen, FormScreen), app)
        name = f"Selected {uuid.uuid4().hex[:6]}"
        await pilot.press(*name, "ctrl+s")
        await until(lambda: isinstance(app.screen, ListScreen) and table.selected.name == name)
        await pilot.pause()
        assert f"[{count + 1}]" in heading(app)
        assert table.cursor_row == table.index_of(table.selected.id)


@pytest.mark.parametrize("key", ["7", "1"], ids=["events", "dashboard"])
async def test_actor_names_show_whole_at_120_columns(server: LiveServer, key: str) -> None:
    """At 80 columns the actor is cut to leave the event's subject room; at 120 it is not,
    in the events list and in the dashboard's feed."""
    actor = f"local-admin-{uuid.uuid4().int % 10**7:07d}"
    with server.sync() as admin:
        minted = admin.create_token(TokenCreate(name=actor, role=Role.operator)).token
    with VtocClient(server.url, minted) as them:
        them.operations.create(name=f"By {actor}")
    app = VtocApp(server.client(Role.viewer), live=False)
    terminal = Terminal(app, (120, 40))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(key)
        await terminal.sees("Events  [" if key == "7" else "Recent events", timeout=5)
        await terminal.sees(f" {actor} ")
        row = next(line for line in terminal.text().splitlines() if f" {actor} " in line)
        assert "operation.created" in row


@pytest.mark.parametrize(
    ("key", "spec"),
    [("2", OPERATIONS), ("3", MISSIONS), ("4", ASSETS), ("5", INTEL)],
    ids=["operations", "missions", "assets", "intel"],
)
async def test_every_column_of_a_list_fits_at_80_columns(
    server: LiveServer, key: str, spec: ResourceSpec
) -> None:
    """An operator over SSH at 80x24 sees every heading whole and each row's operation code
    whole (the intel list once cut it to ``OP-00``)."""
    app = VtocApp(server.client(Role.viewer), live=False)
    terminal = Terminal(app, (80, 24))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await terminal.sees(f"{spec.title}  [", timeout=5)
        await terminal.sees("OP-000" if spec is not ASSETS else " ID ")
        lines = terminal.text().splitlines()
        header = next(line for line in lines if line.lstrip().startswith("ID "))
        assert [c.label for c in spec.columns if f" {c.label}" not in f" {header}"] == []
        cut = [line for line in lines if re.search(r"OP-\d{0,3}(?!\d)", line)]
        assert cut == []
