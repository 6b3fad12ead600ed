"""Under ``vtoc up`` the TUI shows how to reach this vTOC (browser, API, token) while it
runs: on the help screen and from the palette; ``vtoc tui`` on a server it did not start
shows no token."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from tests.tui.conftest import LiveServer, Terminal, screen_text, until
from vtoc.schemas import Role
from vtoc.tui.access import Access
from vtoc.tui.app import VtocApp
from vtoc.tui.screens.dialogs import AccessScreen, HelpScreen

pytestmark = pytest.mark.asyncio

WEB = "http://127.0.0.1:8080"


def access(server: LiveServer) -> Access:
    return Access(server.url, server.tokens[Role.admin], WEB)


async def test_the_help_screen_shows_the_token_and_the_addresses(server: LiveServer) -> None:
    app = VtocApp(server.client(), live=False, access=access(server))
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await until(lambda: isinstance(app.screen, HelpScreen), app)
        await terminal.sees(server.tokens[Role.admin])  # whole, at 80 columns
        await terminal.sees(f"browser   {WEB}")
        await terminal.sees(f"API docs  {server.url}/api/docs")


async def test_the_palette_shows_them_and_c_copies_the_token(server: LiveServer) -> None:
    app = VtocApp(server.client(), live=False, access=access(server))
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await until(lambda: isinstance(app.screen, CommandPalette), app)
        await pilot.press(*"token")
        await terminal.sees("Token and URLs of this vTOC")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, AccessScreen), app)
        await terminal.sees(server.tokens[Role.admin])
        await pilot.press("c")
        assert app.clipboard == server.tokens[Role.admin]
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, AccessScreen), app)


async def test_a_tui_on_a_server_it_did_not_start_shows_no_token(server: LiveServer) -> None:
    app = VtocApp(server.client(), live=False)
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await until(lambda: isinstance(app.screen, HelpScreen), app)
        await terminal.sees("esc closes")
        assert server.tokens[Role.admin] not in screen_text(app)
        await pilot.press("escape", "ctrl+p")
        await until(lambda: isinstance(app.screen, CommandPalette), app)
        await pilot.press(*"help")
        await terminal.sees("Help: every key")  # the palette answers, with no token command
        await pilot.press(*["backspace"] * 4, *"token")
        await pilot.pause(0.5)
        assert "Token and URLs" not in terminal.text()
