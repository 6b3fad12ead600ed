"""The vTOC TUI application: views, navigation, the live feed and the command palette."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from functools import partial
from typing import Any, ClassVar

from rich.segment import Segment
from textual import work
from textual.app import App
from textual.binding import BindingType
from textual.color import Color
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, VtocError
from vtoc.terminal import CONTROL
from vtoc.tui import keymap
from vtoc.tui.access import Access
from vtoc.tui.live import Feed
from vtoc.tui.replay import Replay
from vtoc.tui.resources import (
    CORRELATIONS,
    INTEL,
    OPERATIONS,
    SPECS,
    ResourceSpec,
    load_operation_codes,
    note_operation_codes,
    operation_code,
)
from vtoc.tui.screens.agents import AgentsScreen
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.screens.correlations import CorrelationScreen, CorrelationsScreen
from vtoc.tui.screens.dashboard import DashboardScreen
from vtoc.tui.screens.detail import IntelScreen, OperationScreen, RecordScreen
from vtoc.tui.screens.dialogs import AccessScreen, HelpScreen, PromptScreen
from vtoc.tui.screens.events import EventsScreen
from vtoc.tui.screens.journal import QuickEntryScreen, accept_handover, hand_over
from vtoc.tui.screens.lists import ListScreen


def map_screen(replay: Replay | None = None) -> VtocScreen:
    """The map, imported when it first opens: it draws with numpy, 16 MB that an SSH
    session (a process of its own) need not carry until then."""
    from vtoc.tui.screens.map import MapScreen

    return MapScreen(replay)


VIEW_FACTORIES: dict[str, Callable[[], VtocScreen]] = {
    "dashboard": DashboardScreen,
    **{name: partial(ListScreen, spec) for name, spec in SPECS.items()},
    "correlations": CorrelationsScreen,
    "agents": AgentsScreen,
    "events": EventsScreen,
    "map": map_screen,
}


class NoControlCharacters(LineFilter):
    """The last guard between server text and the terminal, whatever widget shows it: any
    control character left in a line is dropped (the lists and details show them as escapes
    before this). Textual's own escape sequences travel in control segments, untouched."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(CONTROL.search(text) for text, _, control in segments if not control):
            return segments
        cleaned = (
            segment if segment.control else Segment(CONTROL.sub("", segment.text), segment.style)
            for segment in segments
        )
        return [segment for segment in cleaned if segment.text or segment.control]


NO_CONTROL_CHARACTERS = NoControlCharacters()


class ViewCommands(Provider):
    """The command palette (ctrl+p): every view, refresh and help, fuzzy-matched."""

    def commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = self.app
        assert isinstance(app, VtocApp)
        found: list[tuple[str, Callable[[], Any], str]] = [
            (f"Go to {view}", partial(app.show_view, view), f":{aliases[0]}")
            for view, aliases in keymap.VIEWS.items()
        ]
        found.append(("Refresh", app.action_refresh, "ctrl+r"))
        found.append(("Help: every key", app.action_help, "?"))
        if app.access is not None:
            found.append(("Token and URLs of this vTOC", app.action_access, "browser, API, token"))
        if not app.readonly:
            found.append(("Log an entry", app.action_log, "L"))
            found.append(("Hand over the watch", app.action_hand_over, "files a handover entry"))
            found.append(("Accept a handover", app.action_accept_handover, "take the watch"))
        return found

    async def discover(self) -> Hits:
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class VtocApp(App[None]):
    CSS_PATH = "vtoc.tcss"
    TITLE = "vTOC"
    BINDINGS: ClassVar[list[BindingType]] = keymap.GLOBAL
    COMMANDS = App.COMMANDS | {ViewCommands}

    def __init__(
        self,
        client: AsyncVtocClient,
        *,
        readonly: bool = False,
        live: bool = True,
        close_client: bool = False,
        access: Access | None = None,
        replay: Replay | None = None,
    ) -> None:
        """``replay``: open on the map watching that period again, the live feed off."""
        super().__init__()
        self.client = client
        self.close_client = close_client
        self.access = access
        self.readonly = readonly
        self.live = live and replay is None
        self.replay = replay
        self.online = True
        self.views: dict[str, VtocScreen] = {}

    def on_mount(self) -> None:
        """Once the first screen is up, what the app built to start (modules, widgets,
        styles) is frozen out of the garbage collector's walks: it lives as long as the app,
        yet every full collection walked it again, holding the loop 0.1-0.4 s in a flood."""
        self.learn_operation_codes()
        if self.replay is not None:
            self.views["map"] = map_screen(self.replay)
            self.install_screen(self.views["map"], "map")
        self.show_view("dashboard" if self.replay is None else "map")
        if self.live:
            self.follow()
        self.call_after_refresh(self.freeze_startup)

    @staticmethod
    def freeze_startup() -> None:
        gc.collect()  # garbage first: frozen objects are never collected
        gc.freeze()

    async def on_unmount(self) -> None:
        if self.close_client:
            await self.client.aclose()

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), NO_CONTROL_CHARACTERS]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry the server's and the operator's words: never markup, whatever
        the caller (Textual's widgets pass ``markup=True``) asks. A message naming
        "[/etc/passwd]" would otherwise fail to show."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Write actions bound here (``L``) vanish in read-only mode, as the screens' do."""
        return not (action in keymap.WRITE_ACTIONS and self.readonly)

    # Navigation ----------------------------------------------------------------------------

    def view(self, name: str) -> VtocScreen:
        if name not in self.views:
            self.views[name] = VIEW_FACTORIES[name]()
            self.install_screen(self.views[name], name)
        return self.views[name]

    def show_view(self, name: str) -> None:
        """Views replace each other; drill-downs stack on top of a view."""
        self.view(name)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            if self.screen is not self.views[name]:
                self.switch_screen(name)
        else:
            self.push_screen(name)

    def action_go(self, name: str) -> None:
        self.show_view(name)

    def back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()
        elif self.screen is not self.views.get("dashboard"):
            self.show_view("dashboard")

    def open_detail(self, spec: ResourceSpec, row: Any) -> None:
        if spec is OPERATIONS:
            self.push_screen(OperationScreen(spec, row))
        elif spec is INTEL:
            self.push_screen(IntelScreen(spec, row))
        elif spec is CORRELATIONS:
            self.push_screen(CorrelationScreen(row))
        else:
            self.push_screen(RecordScreen(spec, row))

    def action_command(self) -> None:
        def run(command: str | None) -> None:
            if not command:
                return
            if command.strip() in {"q", "quit", "q!"}:
                self.exit()
                return
            view = keymap.view_for(command)
            if view is None:
                self.notify(f"no view {command!r}; try :ops :intel :assets", severity="warning")
            else:
                self.show_view(view)

        self.push_screen(PromptScreen(":", placeholder="ops, missions, assets, intel, …"), run)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.readonly, self.access))

    def action_access(self) -> None:
        if self.access is not None and not isinstance(self.screen, AccessScreen):
            self.push_screen(AccessScreen(self.access))

    def action_refresh(self) -> None:
        screen = self.screen
        if isinstance(screen, VtocScreen):
            screen.action_refresh()

    # The journal ---------------------------------------------------------------------------

    def action_log(self) -> None:
        """A journal entry for the operation in view (none on screens without one)."""
        screen = self.screen
        operation_id = screen.operation_in_view() if isinstance(screen, VtocScreen) else None
        label = "(no operation)" if operation_id is None else operation_code(operation_id)

        def filed(entry: s.JournalEntry | None) -> None:
            if entry is not None:
                self.notify(f"entry {entry.id} logged {label}", title="Journal")

        self.push_screen(QuickEntryScreen(self.client, operation_id, label), filed)

    def action_hand_over(self) -> None:
        prompt = PromptScreen("»", placeholder="handover notes for the next watch (enter files)")
        self.push_screen(prompt, partial(self.take_watch_step, hand_over))

    def action_accept_handover(self) -> None:
        prompt = PromptScreen("#", placeholder="the handover's id (vtoc handover shows it)")
        self.push_screen(prompt, partial(self.take_watch_step, accept_handover))

    def take_watch_step(
        self, step: Callable[[AsyncVtocClient, str], Awaitable[str]], typed: str | None
    ) -> None:
        if typed is not None:
            self.run_watch_step(step, typed)

    @work(group="journal")
    async def run_watch_step(
        self, step: Callable[[AsyncVtocClient, str], Awaitable[str]], typed: str
    ) -> None:
        """A handover step, its outcome or the reason it was refused as a notification."""
        try:
            self.notify(await step(self.client, typed), title="Watch")
        except VtocError as exc:
            self.notify(exc.message, title="Watch", severity="error")
        except ValueError as exc:
            self.notify(str(exc), title="Watch", severity="error")

    @work(group="codes")
    async def learn_operation_codes(self) -> None:
        """Before the operator reaches a list with an OP column (the dashboard has none)."""
        with suppress(VtocError):  # unreachable: such rows show ids, the banner says why
            await load_operation_codes(self.client)

    # Live ----------------------------------------------------------------------------------

    @work(group="live", exclusive=True)
    async def follow(self) -> None:
        await Feed(self.client, self.apply_events, self.set_online).run()

    def live_screens(self) -> list[VtocScreen]:
        screens: list[Screen[Any]] = [*self.screen_stack, *self.views.values()]
        unique = {id(s): s for s in screens if isinstance(s, VtocScreen) and s.is_mounted}
        return list(unique.values())  # type: ignore[arg-type]

    def apply_events(self, batch: list[s.Event]) -> None:
        note_operation_codes(batch)
        for screen in self.live_screens():
            screen.apply_events(batch)

    def set_online(self, online: bool) -> None:
        self.online = online
        for screen in self.live_screens():
            screen.set_online(online)
