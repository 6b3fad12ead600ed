"""The whole browser stack for real: `vtoc server run` in a subprocess, the SPA's static
server and Traefik in front (vtoc.web.stack), and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from tests.processes import server_process
from vtoc.client import VtocClient
from vtoc.schemas import Role
from vtoc.web.stack import WebStack, start_web_stack
from vtoc.web.static import default_dist

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def dist() -> Path:
    path = default_dist()
    if not (path / "index.html").is_file():
        pytest.skip(f"no SPA build in {path}: `make web` builds it (make test-web does)")
    return path


@pytest.fixture
def api_url(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[str]:
    """A real `vtoc server run` on the test database (already migrated and emptied)."""
    env = {**os.environ, "VTOC_DATABASE_URL": database_url}
    with server_process(env, "--no-migrate", log=tmp_path / "server.log") as url:
        yield url


@pytest.fixture
def stack(api_url: str, dist: Path) -> Iterator[WebStack]:
    with start_web_stack(api_url, dist=dist) as web:
        yield web


@pytest.fixture
def api(api_url: str, make_token: Callable[..., str]) -> Iterator[VtocClient]:
    """An operator's client straight on the server, as a script or the CLI would use it."""
    client = VtocClient(api_url, make_token(Role.operator))
    yield client
    client.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: `make browser` installs Debian's Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tab at tablet-or-wider size; console errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@dataclass
class Web:
    """What a browser test works with: the stack (Traefik in front of the SPA and the API),
    an operator's client straight on the API, and a fresh tab."""

    stack: WebStack
    api: VtocClient
    page: Any
    token: Callable[..., str]
    database: str

    @property
    def url(self) -> str:
        return self.stack.url

    def seed(self) -> dict[str, int]:
        """A small believable picture: an operation with a mission, positioned assets, intel."""
        api = self.api
        op = api.operations.create(name="Northern Watch", priority="high", status="active")
        mission = api.missions.create(operation_id=op.id, name="Ridge patrol", priority="high")
        for name, lat, lon, status in [
            ("Falcon 1", 59.91, 10.75, "deployed"),
            ("Falcon 2", 59.95, 10.60, "available"),
            ("Relay Hill", 60.02, 10.95, "unreachable"),
        ]:
            asset = api.assets.create(name=name, kind="vehicle", status=status, lat=lat, lon=lon)
        report = api.intel.create(
            title="SSH brute force from 203.0.113.7",
            body="Failed logins from 203.0.113.7 against host gw-1, see CVE-2024-3094",
            severity="high",
        )
        api.intel.create(title="Scan from 203.0.113.7", body="probe by 203.0.113.7", severity="low")
        agent = next(a for a in api.agents.list().items if a.name == "monitor")
        return {
            "operation": op.id,
            "mission": mission.id,
            "report": report.id,
            "asset": asset.id,
            "agent": agent.id,
        }

    def sign_in(self, role: Role, name: str | None = None) -> str:
        """Sign in with a new token of ``role`` (named ``name``) and wait for the app; the
        token is returned."""
        token: str = self.token(role, name=name)
        self.page.goto(self.url)
        self.page.get_by_label("API token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("navigation", name="Main")).to_be_visible()
        return token

    def nav(self, name: str) -> Any:
        """The main navigation's link ``name``."""
        main = self.page.get_by_role("navigation", name="Main")
        return main.get_by_role("link", name=name, exact=True)

    def shoot(self, name: str) -> Path:
        """Save a full-page screenshot to test-artifacts/ (CI keeps them; people look at them)."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}-{self.database}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def web(
    stack: WebStack,
    api: VtocClient,
    page: Any,
    make_token: Callable[..., str],
    database_url: str,
) -> Web:
    return Web(stack, api, page, make_token, database_url.split(":", 1)[0].split("+")[0])
