"""Writes through the TUI: forms, server validation, stale edits, deletes, read-only, live
changes and floods."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.ingest.conftest import ndjson
from tests.tui.conftest import (
    LiveServer,
    confirmation,
    highlight,
    live_alerts,
    open_list,
    screen_text,
    start_server,
    until,
)
from vtoc.client import VtocClient
from vtoc.schemas import Operation, Role
from vtoc.tui.app import VtocApp
from vtoc.tui.screens.dashboard import DashboardScreen
from vtoc.tui.screens.detail import IntelScreen, OperationScreen
from vtoc.tui.screens.form import STALE, FormScreen

pytestmark = pytest.mark.asyncio


async def test_create_shows_server_errors_next_to_the_field_then_saves(
    server: LiveServer,
) -> None:
    app = VtocApp(server.client(Role.operator), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, "2")
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, FormScreen), app)
        form = app.screen
        await pilot.press("tab", "tab", "ctrl+s")  # no name: the server answers 422 naming it
        error = form.query_one("#error-name", Static)
        await until(lambda: "required" in str(error.content).lower(), app)
        assert error.display
        name = f"Op-{uuid.uuid4().hex[:6]}"
        await pilot.press(*name)  # the field named in the error has the keys
        assert form.query_one("#field-name", Input).value == name
        await pilot.press("ctrl+s")
        await until(lambda: app.screen is screen, app)
        await until(lambda: any(r.name == name for r in screen.table.rows_by_id.values()), app)
        assert server.sync().operations.list(q=name).items[0].name == name


async def test_a_new_form_takes_typing_in_its_first_field(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.operator), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, "2")
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, FormScreen), app)
        name = f"Typed-{uuid.uuid4().hex[:6]}"
        await pilot.press(*name, "ctrl+s")
        await until(lambda: app.screen is screen, app)
        await until(lambda: any(r.name == name for r in screen.table.rows_by_id.values()), app)


async def reloaded_stale_edit(
    app: VtocApp, pilot: Pilot[None], admin: VtocClient, op: Operation, **theirs: str
) -> FormScreen:
    """Edit the highlighted ``op`` while someone else saves ``theirs``: type a description,
    save, wait to be told the edit is stale, and reload (ctrl+l)."""
    await pilot.press("e")
    await until(lambda: isinstance(app.screen, FormScreen), app)
    form = app.screen
    assert isinstance(form, FormScreen)
    admin.operations.update(op.id, **theirs, version=op.version)
    form.query_one("#field-description", Input).value = "mine"
    await pilot.press("ctrl+s")
    await until(lambda: STALE in str(form.query_one("#form-error", Static).content), app)
    await pilot.press("ctrl+l")
    return form


async def test_stale_edit_offers_reload(server: LiveServer) -> None:
    admin = server.sync()
    op = admin.operations.create(name=f"Stale {uuid.uuid4().hex[:6]}")
    app = VtocApp(server.client(Role.operator), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await highlight(app, pilot, "2", op.id)
        form = await reloaded_stale_edit(app, pilot, admin, op, commander="Someone Else")
        field = form.query_one("#field-commander", Input)
        await until(lambda: field.value == "Someone Else", app)
        form.query_one("#field-description", Input).value = "mine"
        await pilot.press("ctrl+s")
        await until(lambda: app.screen is screen, app)
    latest = admin.operations.get(op.id)
    assert (latest.description, latest.commander) == ("mine", "Someone Else")


async def test_e_in_a_detail_edits_the_row_shown(server: LiveServer) -> None:
    admin = server.sync()
    op = admin.operations.create(name=f"Shown-{uuid.uuid4().hex[:6]}")
    app = VtocApp(server.client(Role.operator), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await highlight(app, pilot, "2", op.id)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, OperationScreen), app)
        detail = app.screen
        await pilot.press("e")
        await until(lambda: isinstance(app.screen, FormScreen), app)
        assert app.screen.query_one("#field-name", Input).value == op.name
        app.screen.query_one("#field-commander", Input).value = "Maj. Shown"
        await pilot.press("ctrl+s")
        await until(lambda: app.screen is detail, app)
        await until(lambda: "Maj. Shown" in screen_text(app), app)  # without waiting for events
    assert admin.operations.get(op.id).commander == "Maj. Shown"


async def test_a_read_only_detail_has_no_e(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), readonly=True, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(app, pilot, "5")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, IntelScreen), app)
        detail = app.screen
        await until(lambda: "no correlated reports" in screen_text(app), app)
        assert "e" not in screen_text(app).split()
        assert "c" not in screen_text(app).split()  # in no cluster: nothing to open
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is detail


async def test_delete_asks_first(server: LiveServer) -> None:
    admin = server.sync()
    asset = admin.assets.create(name=f"Doomed-{uuid.uuid4().hex[:6]}")
    app = VtocApp(server.client(Role.operator), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await highlight(app, pilot, "4", asset.id)).table
        await confirmation(app, pilot, "d")
        await pilot.press("n")
        assert asset.id in table.rows_by_id
        await confirmation(app, pilot, "d")
        await pilot.press("y")
        await until(lambda: asset.id not in table.rows_by_id, app)
    assert not admin.assets.list(q=asset.name).items


async def test_deleting_an_operation_says_its_missions_go_with_it(server: LiveServer) -> None:
    admin = server.sync()
    op = admin.operations.create(name=f"Crowded-{uuid.uuid4().hex[:6]}")
    for name in ("First", "Second"):
        admin.missions.create(operation_id=op.id, name=name)
    app = VtocApp(server.client(Role.admin), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await highlight(app, pilot, "2", op.id)
        question = str((await confirmation(app, pilot, "d")).render())
        assert f"Delete operation {op.code} '{op.name}' and its 2 missions?" in question
        await pilot.press("n")


async def test_deleting_an_asset_says_its_track_goes_with_it(server: LiveServer) -> None:
    admin = server.sync()
    asset = admin.assets.create(name=f"Tracked-{uuid.uuid4().hex[:6]}")
    fixes = [
        {"asset": asset.id, "at": f"2026-12-01T10:0{i}:00Z", "lat": 59.0, "lon": 18.0 + i}
        for i in range(2)
    ]
    assert admin.post_positions(fixes).stored == 2
    app = VtocApp(server.client(Role.operator), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await highlight(app, pilot, "4", asset.id)
        question = str((await confirmation(app, pilot, "d")).render())
        assert f"Delete asset '{asset.name}' and its 2 position fixes?" in question
        await pilot.press("n")
    assert admin.assets.get(asset.id).name == asset.name


async def test_readonly_hides_every_write(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), readonly=True, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, "2")
        keys = screen_text(app).split()
        assert "/" in keys and "n" not in keys and "e" not in keys and "d" not in keys
        for key in ("n", "e", "d"):
            await pilot.press(key)
            assert app.screen is screen
        await pilot.press("6")
        await until(lambda: "analyzer" in screen_text(app), app)
        await pilot.press("t")
        assert "run on the next worker tick" not in screen_text(app)
        await pilot.press("question_mark")
        help_text = screen_text(app)
        assert "Trigger" not in help_text and "Delete" not in help_text
        assert "Filter" in help_text


async def test_live_write_appears_without_moving_the_selection(server: LiveServer) -> None:
    admin = server.sync()
    app = VtocApp(server.client(Role.viewer))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, "2")
        table = screen.table
        await pilot.press("down")
        chosen = table.selected
        name = f"Live {uuid.uuid4().hex[:6]}"
        created = admin.operations.create(name=name)
        await until(lambda: created.id in table.rows_by_id, app, timeout=5)
        assert table.index_of(created.id) == 0  # newest on top
        assert table.selected.id == chosen.id  # the operator's row stays selected
        admin.operations.update(chosen.id, commander="Live Update", version=chosen.version)
        await until(lambda: table.rows_by_id[chosen.id].commander == "Live Update", app, timeout=5)
        assert table.selected.id == chosen.id
        assert "Live Update" in screen_text(app)


async def test_the_dashboard_shows_what_came_while_another_view_was_on_top(
    server: LiveServer,
) -> None:
    """Under another view the dashboard keeps its feed but does not draw it (a flood's
    redraws cost the view on top); back on it, the feed and the counts are current."""
    admin = server.sync()
    app = VtocApp(server.client(Role.viewer))
    async with app.run_test(size=(80, 24)) as pilot:
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await until(lambda: dashboard.board is not None, app)
        before = dashboard.board.operations  # type: ignore[union-attr]
        screen = await open_list(app, pilot, "2")
        name = f"Meanwhile {uuid.uuid4().hex[:6]}"
        created = admin.operations.create(name=name)
        await until(lambda: created.id in screen.table.rows_by_id, app, timeout=5)
        assert created.code not in str(dashboard.query_one("#feed", Static).content)
        await pilot.press("escape")
        await until(lambda: app.screen is dashboard, app)
        await until(lambda: created.code in str(dashboard.query_one("#feed", Static).content), app)
        await until(lambda: dashboard.board.operations != before, app)  # type: ignore[union-attr]
        assert sum(dashboard.board.operations.values()) == sum(before.values()) + 1  # type: ignore[union-attr]


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server this test alone stops and starts again."""
    yield from start_server(tmp_path / "vtoc.db", reports=5)


async def test_lost_connection_shows_a_banner_and_catches_up(own_server: LiveServer) -> None:
    app = VtocApp(own_server.client(Role.viewer))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, "2")
        banner = screen.query_one("#banner", Static)
        assert not banner.has_class("shown")
        own_server.stop()
        await until(lambda: banner.has_class("shown"), app, timeout=10)
        assert "lost" in str(banner.content)
        own_server.start()
        created = own_server.sync().operations.create(name="After the outage")
        await until(lambda: not banner.has_class("shown"), app, timeout=10)
        await until(lambda: created.id in screen.table.rows_by_id, app, timeout=60)


async def test_a_wazuh_flood_lands_in_the_open_list_in_order_without_moving_the_selection(
    own_server: LiveServer,
) -> None:
    """Thousands of events a second during a Wazuh flood: the list takes them in batches,
    each new report once, newest on top with none missing, and the operator's row stays
    highlighted (applied one by one, the TUI froze for minutes and lagged further behind)."""
    admin = own_server.sync()
    before = {r.id for r in admin.intel.iterate()}
    app = VtocApp(own_server.client(Role.viewer))
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "5")).table
        await pilot.press("down", "down")
        chosen = table.selected
        alerts = live_alerts(1500)
        for start in range(0, len(alerts), 500):
            admin.ingest_wazuh(ndjson(alerts[start : start + 500]))
        new = [r.id for r in admin.intel.iterate() if r.id not in before]  # the server's order
        assert len(new) == 1500
        await until(lambda: all(i in table.rows_by_id for i in new), app, timeout=30)
        shown = table.ids
        assert shown[: len(new)] == new  # newest first, none missing, none twice
        assert table.selected.id == chosen.id
        dashboard = app.views["dashboard"]
        await until(lambda: dashboard.feed and dashboard.feed[0].entity_id == new[0], app)


async def test_a_flood_past_the_lists_cap_starts_again_at_the_newest_rows_and_pages_on(
    own_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Following the newest rows, a flood past the cap starts the list again at the newest
    page (dropping what it held at once, not row by row), and paging down from there walks
    every row in order, none missing, none twice, up to the cap."""
    monkeypatch.setattr("vtoc.tui.widgets.resource_table.MAX_ROWS", 300)
    admin = own_server.sync()
    app = VtocApp(own_server.client(Role.viewer))
    async with app.run_test(size=(80, 24)) as pilot:
        table = (await open_list(app, pilot, "5")).table
        alerts = live_alerts(500)
        admin.ingest_wazuh(ndjson(alerts))
        newest = [r.id for r in admin.intel.iterate()][:300]  # the server's order
        await until(lambda: newest[0] in table.rows_by_id, app, timeout=30)
        await until(lambda: not table.catching_up, app)
        assert table.ids == newest[: table.row_count]
        assert table.selected.id == newest[0]  # the cursor followed the newest row
        for _ in range(400):
            if table.row_count == 300:
                break
            await pilot.press("end", "down")
            await until(lambda: not table.loading_page, app)
        assert table.ids == newest


async def test_mission_form_takes_an_operation_code_a_typed_time_and_assets(
    server: LiveServer,
) -> None:
    admin = server.sync()
    op = admin.operations.create(name=f"Typed-{uuid.uuid4().hex[:6]}")
    hawk = admin.assets.create(name=f"Hawk-{uuid.uuid4().hex[:6]}")
    ranger = admin.assets.create(name=f"Ranger-{uuid.uuid4().hex[:6]}")
    app = VtocApp(server.client(Role.operator), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, "3")
        assert "OP-0001" in screen_text(app)  # the OP column shows codes, not ids
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, FormScreen), app)
        form = app.screen
        name = f"Patrol {uuid.uuid4().hex[:6]}"
        form.query_one("#field-operation_id", Input).value = op.code
        form.query_one("#field-name", Input).value = name
        form.query_one("#field-due_at", Input).value = "whenever"
        form.query_one("#field-asset_ids", Input).value = f"{hawk.name}, {ranger.id}"
        await pilot.press("ctrl+s")
        error = form.query_one("#error-due_at", Static)
        await until(lambda: "'whenever' is not a time" in str(error.content), app)
        form.query_one("#field-due_at", Input).value = "2026-12-08T12:00"
        await pilot.press("ctrl+s")
        await until(lambda: app.screen is screen, app)
    made = admin.missions.list(q=name).items[0]
    assert made.operation_id == op.id
    assert made.due_at == datetime(2026, 12, 8, 12, tzinfo=UTC)  # no offset: UTC
    assert made.asset_ids == sorted([hawk.id, ranger.id])


async def test_reload_after_a_stale_edit_keeps_the_typed_draft_beside_their_version(
    server: LiveServer,
) -> None:
    admin = server.sync()
    op = admin.operations.create(name=f"Draft {uuid.uuid4().hex[:6]}")
    app = VtocApp(server.client(Role.operator), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await highlight(app, pilot, "2", op.id)
        form = await reloaded_stale_edit(
            app, pilot, admin, op, commander="Someone Else", description="theirs"
        )
        commander = form.query_one("#field-commander", Input)
        await until(lambda: commander.value == "Someone Else", app)  # untouched: theirs
        assert form.query_one("#field-description", Input).value == "mine"  # typed: kept
        beside = str(form.query_one("#error-description", Static).content)
        assert "theirs: theirs" in beside
        await pilot.press("ctrl+s")
        await until(lambda: app.screen is screen, app)
    latest = admin.operations.get(op.id)
    assert (latest.description, latest.commander) == ("mine", "Someone Else")


async def test_agent_form_states_and_applies_the_schemas_interval_rule(
    server: LiveServer,
) -> None:
    app = VtocApp(server.client(Role.admin), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await until(lambda: "Runs of " in screen_text(app), app)
        await pilot.press("e")
        await until(lambda: isinstance(app.screen, FormScreen), app)
        form = app.screen
        assert "Interval (seconds, 1 to 2147483647)" in screen_text(app)
        form.query_one("#field-interval_seconds", Input).value = "0"
        await pilot.press("ctrl+s")
        error = form.query_one("#error-interval_seconds", Static)
        await until(lambda: "1" in str(error.content), app)
        await pilot.press("escape")
