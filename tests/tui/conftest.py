"""A real vTOC server (uvicorn in a thread, SQLite file, demo scenario) for the TUI tests.

The TUI talks HTTP through the async client, so the app's TestClient cannot serve it: the
server listens on a free loopback port instead. SQLite only here: the server's behaviour
on PostgreSQL is covered by tests/server; these tests are about what the operator sees.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyte
import pytest
import uvicorn
from rich.console import Console
from sqlalchemy import Engine, update
from textual._compositor import CompositorUpdate
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Label, Static

from tests.ingest.conftest import sample_alerts, unique_copies
from vtoc.children import free_port
from vtoc.client import AsyncVtocClient, VtocClient
from vtoc.config import ServerSettings
from vtoc.schemas import Role, TokenCreate
from vtoc.server.app import create_app
from vtoc.server.db import UTCDateTime, make_engine, make_sessionmaker
from vtoc.server.demo import seed_scenario
from vtoc.server.migrate import upgrade
from vtoc.server.models import Base
from vtoc.server.services import tokens
from vtoc.tui.app import VtocApp
from vtoc.tui.screens.dialogs import ConfirmScreen
from vtoc.tui.screens.lists import ListScreen
from vtoc.tui.widgets.row_list import RowList

#: every timestamp of the snapshot database, and the TUI's clock there
FROZEN = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


#: each view's key and what its screen shows once its data is in (not before)
LOADED = {
    "1": "overdue",
    "2": "Operations  [",
    "3": "Missions  [",
    "4": "Assets  [",
    "5": "Intelligence  [",
    "6": "Runs of ",
    "7": "Events  [",
    "8": "seen ",
    "9": "Correlations  [",
}


@dataclass
class LiveServer:
    url: str
    engine: Engine
    tokens: dict[Role, str]
    port: int
    uvicorn: uvicorn.Server | None = None
    thread: threading.Thread | None = None

    def sync(self, role: Role = Role.admin) -> VtocClient:
        return VtocClient(self.url, self.tokens[role])

    def client(self, role: Role = Role.admin) -> AsyncVtocClient:
        return AsyncVtocClient(self.url, self.tokens[role])

    def start(self) -> None:
        app = create_app(ServerSettings(database_url=str(self.engine.url)))
        self.uvicorn = uvicorn.Server(uvicorn.Config(app, port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.uvicorn.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.sync().ready():
            assert time.monotonic() < deadline, "test server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        assert self.uvicorn is not None and self.thread is not None
        self.uvicorn.should_exit = True
        self.thread.join(10)


def start_server(path: Path, *, reports: int) -> Iterator[LiveServer]:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    minted: dict[Role, str] = {}
    with make_sessionmaker(engine)() as session:
        seed_scenario(session, reports=reports, seed=1)
        for role in Role:
            data = TokenCreate(name=f"tui-{role}", role=role)
            minted[role] = tokens.create(session, actor="test", data=data).token
        session.commit()
    port = free_port()
    live = LiveServer(f"http://127.0.0.1:{port}", engine, minted, port)
    live.start()
    yield live
    live.stop()
    engine.dispose()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shared server the interaction tests read and write (unique names per test)."""
    yield from start_server(tmp_path_factory.mktemp("tui") / "vtoc.db", reports=120)


def freeze_times(engine: Engine) -> None:
    """Every timestamp in every table set to ``FROZEN``: the screens render the same always."""
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, UTCDateTime):
                    conn.execute(
                        update(table).where(column.is_not(None)).values({column.name: FROZEN})
                    )


@pytest.fixture(scope="session")
def frozen_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A read-only server for snapshots: fixed data, fixed times."""
    for live in start_server(tmp_path_factory.mktemp("snap") / "vtoc.db", reports=40):
        freeze_times(live.engine)
        yield live


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vtoc.tui.resources.clock", lambda: FROZEN)


async def until(
    condition: Callable[[], object], app: VtocApp | None = None, timeout: float = 10.0
) -> None:
    """Wait (letting the app run) until the condition holds; fail showing the screen."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            shown = f"\n{type(app.screen).__name__}:\n{screen_text(app)}" if app else ""
            raise AssertionError(f"timed out waiting for the screen{shown}")
        await asyncio.sleep(0.05)


async def open_list(app: VtocApp, pilot: Pilot[None], view: str) -> ListScreen:
    """Open a list by its number key (2 operations, 3 missions, …), once it has rows."""
    await pilot.press(view)
    await until(lambda: isinstance(app.screen, ListScreen) and app.screen.table.row_count, app)
    screen = app.screen
    assert isinstance(screen, ListScreen)
    return screen


async def highlight(app: VtocApp, pilot: Pilot[None], view: str, row_id: int) -> ListScreen:
    """Open a list by its number key and highlight one of its rows, once it has loaded."""
    screen = await open_list(app, pilot, view)
    await until(lambda: row_id in screen.table.rows_by_id, app)
    screen.table.move_cursor(row=screen.table.index_of(row_id))
    await pilot.pause()
    return screen


async def confirmation(app: VtocApp, pilot: Pilot[None], key: str) -> Label:
    """Press ``key`` and return the question of the confirmation it opens, once painted."""
    await pilot.press(key)
    await until(lambda: isinstance(app.screen, ConfirmScreen), app)
    await pilot.pause()
    return app.screen.query_one("#question", Label)


def live_alerts(count: int) -> list[dict[str, Any]]:
    """``count`` distinct Wazuh alerts observed now, one millisecond apart, as a live flood
    is: they go on top of lists ordered by observation time."""
    now = datetime.now(UTC)
    alerts = unique_copies(sample_alerts(), count, vary_source=True)
    for index, alert in enumerate(alerts):
        when = now + timedelta(milliseconds=index)
        alert["timestamp"] = when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    return alerts


def painted(widget: Widget) -> str:
    """The lines the widget paints, as the terminal would get them (line filters applied)."""
    lines = widget.render_lines(Region(0, 0, *widget.outer_size))
    return "\n".join(line.text for line in lines)


def screen_text(app: VtocApp) -> str:
    """The text of the screen's widgets (tables' cells, statics, labels, footer keys).

    Read from the widgets rather than the compositor, whose frames lag in headless runs.
    """
    console = Console(width=app.size.width, file=io.StringIO(), record=True)
    for widget in app.screen.query("*"):
        if not widget.display:
            continue
        if isinstance(widget, RowList):
            console.print(" ".join(column.label for column in widget.columns))
            console.print(widget.notice or widget.empty_text * (not widget.rows))
            for row in widget.rows:
                console.print(" ".join(str(cell) for cell in widget.cells(row)))
        elif isinstance(widget, DataTable):
            console.print(" ".join(str(column.label) for column in widget.columns.values()))
            for key in widget.rows:
                console.print(" ".join(str(c) for c in widget.get_row(key)))
        elif isinstance(widget, Static | Label):
            console.print(widget.content)
        elif isinstance(widget, Footer):
            for binding in app.active_bindings.values():
                if binding.binding.show:
                    console.print(binding.binding.key_display or binding.binding.key)
    for note in app._notifications:
        console.print(note.message)
    return console.export_text()


class Terminal:
    """What the operator's terminal shows: every frame the app paints, fed to a VT100
    emulator (pyte). Widgets can hold the right rows while the terminal still shows a
    spinner; this reads what reached the screen, as tmux does, inside a Pilot test."""

    def __init__(self, app: VtocApp, size: tuple[int, int] = (80, 24)) -> None:
        self.app = app
        self.screen = pyte.Screen(*size)
        self.stream = pyte.Stream(self.screen)
        app._display = self.paint  # type: ignore[method-assign]

    def paint(self, screen: object, update: object) -> None:
        if update is None or self.app._batch_count:
            return
        if isinstance(update, CompositorUpdate):
            self.stream.feed(update.render_segments(self.app.console))

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    async def sees(self, text: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text():
            if time.monotonic() > deadline:
                shown = self.text()
                raise AssertionError(f"{text!r} not on the terminal after {timeout}s:\n{shown}")
            await asyncio.sleep(0.05)
