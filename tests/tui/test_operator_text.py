"""What operators and Wazuh write shows as written: brackets are text, never markup."""

from __future__ import annotations

import pytest
from textual.widgets import Static
from textual.widgets._toast import Toast

from tests.tui.conftest import LiveServer, confirmation, highlight, painted, until
from vtoc import schemas as s
from vtoc.schemas import Role
from vtoc.tui.app import VtocApp
from vtoc.tui.screens.detail import OperationScreen

pytestmark = pytest.mark.asyncio

#: Rich markup would drop "[root]" as a style and fail on "[/etc/passwd]" as a closing tag
TITLE = "[/etc/passwd] by [root]"


async def test_a_title_with_brackets_shows_as_written_in_the_list(server: LiveServer) -> None:
    with server.sync() as client:
        report = client.intel.create(s.IntelCreate(title=TITLE, severity=s.Severity.high))
    app = VtocApp(server.client(), live=False)
    async with app.run_test(size=(120, 24)) as pilot:
        table = (await highlight(app, pilot, "5", report.id)).table
        assert TITLE in painted(table)


async def test_a_bracketed_name_in_a_notification_and_a_dialog_shows_as_written(
    server: LiveServer,
) -> None:
    with server.sync() as client:
        op = client.operations.create(s.OperationCreate(name="Recon [/alpha] [beta]"))
    app = VtocApp(server.client(), live=False)
    async with app.run_test(size=(120, 24), notifications=True) as pilot:
        await pilot.press("colon", *"[/x]", "enter")
        await until(lambda: app.screen.query(Toast), app)
        await pilot.pause()
        assert "no view '[/x]'" in painted(app.screen.query_one(Toast))
        await highlight(app, pilot, "2", op.id)
        assert "Recon [/alpha] [beta]" in painted(await confirmation(app, pilot, "d"))
        await pilot.press("n")


async def test_a_viewer_sees_read_only_in_the_heading(server: LiveServer) -> None:
    app = VtocApp(server.client(Role.viewer), readonly=True, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "[read-only]" in painted(app.screen.query_one("#title", Static))


async def test_no_control_character_of_a_name_reaches_the_screen(server: LiveServer) -> None:
    """The lists and dialogs show them as escapes; in a heading the last guard drops them."""
    with server.sync() as client:
        op = client.operations.create(s.OperationCreate(name="Op\x1b]2;X\x07E"))
    app = VtocApp(server.client(), live=False)
    async with app.run_test(size=(120, 24)) as pilot:
        table = (await highlight(app, pilot, "2", op.id)).table
        assert "Op\\x1b]2;X\\x07E" in painted(table)
        assert "Op\\x1b]2;X\\x07E" in painted(await confirmation(app, pilot, "d"))
        await pilot.press("n", "enter")
        await until(lambda: isinstance(app.screen, OperationScreen), app)
        await pilot.pause()
        assert "Op]2;XE" in painted(app.screen.query_one("#title", Static))
