"""What every full screen shares: a title bar, the connection banner, live events, back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient
from vtoc.tui.keymap import WRITE_ACTIONS
from vtoc.tui.refusal import refusal_notified
from vtoc.tui.resources import INTEL
from vtoc.tui.screens.dialogs import ConfirmScreen
from vtoc.tui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from vtoc.tui.app import VtocApp

LOST = "connection to the server lost: reconnecting; changes will catch up"


class VtocScreen(Screen[Any]):
    """A full screen of the TUI. Subclasses compose ``body()``."""

    title_text = "vTOC"

    @property
    def vtoc(self) -> VtocApp:
        return cast("VtocApp", self.app)

    @property
    def client(self) -> AsyncVtocClient:
        return self.vtoc.client

    def compose(self) -> ComposeResult:
        yield Static(self.heading(), id="title", markup=False)
        yield Static(LOST, id="banner", classes="" if self.vtoc.online else "shown")
        yield from self.body()
        yield Footer(compact=True)

    def body(self) -> ComposeResult:
        yield from ()

    def heading(self) -> str:
        mode = "  [read-only]" if self.vtoc.readonly else ""
        return f"vTOC ▸ {self.title_text}{mode}"

    def set_heading(self, extra: str = "") -> None:
        self.query_one("#title", Static).update(self.heading() + extra)

    def set_online(self, online: bool) -> None:
        self.query_one("#banner", Static).set_class(not online, "shown")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Write actions vanish (from keys, footer and help) in read-only mode."""
        return not (action in WRITE_ACTIONS and self.vtoc.readonly)

    def confirm(self, question: str, then: Callable[[], object]) -> None:
        """Ask first (deletes always do); ``then`` runs on yes, nothing on no or esc."""

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question), answered)

    async def show_report(self, report_id: int) -> None:
        """Read a report and open its detail; a refusal is a notification."""
        with refusal_notified(self):
            self.vtoc.open_detail(INTEL, await self.client.intel.get(report_id))

    def operation_in_view(self) -> int | None:
        """The operation a journal entry filed from here (``L``) is for."""
        return None

    def apply_events(self, batch: list[s.Event]) -> None:
        """Bring the screen up to date after changes anywhere; tables update in place."""
        for table in self.query(ResourceTable):
            table.apply_events(batch)

    def action_refresh(self) -> None:
        for table in self.query(ResourceTable):
            table.reload()

    def action_back(self) -> None:
        self.vtoc.back()
