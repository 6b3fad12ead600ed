"""The whole browser stack for real: `vtoc server run` in a subprocess, the SPA's static
server and Traefik in front (vtoc.web.stack), and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from vtoc.client import VtocClient
from vtoc.schemas import Role
from vtoc.web.stack import WebStack, free_port, start_web_stack
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
    port = free_port()
    vtoc_bin = Path(sys.executable).parent / "vtoc"
    cmd = [str(vtoc_bin), "server", "run", "--port", str(port), "--no-migrate"]
    env = {**os.environ, "VTOC_DATABASE_URL": database_url}
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"server did not start:\n{log.read_text()}"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


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


@pytest.fixture
def shoot(request: pytest.FixtureRequest, database_url: str) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot to test-artifacts/ (CI keeps them; people look at them)."""
    ARTIFACTS.mkdir(exist_ok=True)
    db = database_url.split(":", 1)[0].split("+")[0]

    def save(tab: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}-{db}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return save


def seed(api: VtocClient) -> dict[str, int]:
    """A small believable picture: an operation with a mission, positioned assets, intel."""
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


def nav(page: Any, name: str) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def sign_in(page: Any, url: str, token: str) -> None:
    page.goto(url)
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
