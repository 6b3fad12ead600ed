"""Wazuh alerts for the ingest tests: the shared samples, and factories for more."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from vtoc.client import VtocClient
from vtoc.schemas import Role, TokenCreate
from vtoc.server.db import make_engine, make_sessionmaker
from vtoc.server.services import tokens

SAMPLES = Path("/work/shared/samples/wazuh-alerts.ndjson")
LOCAL_SAMPLES = Path(__file__).parent / "wazuh-alerts.ndjson"


def sample_alerts() -> list[dict[str, Any]]:
    path = LOCAL_SAMPLES if LOCAL_SAMPLES.exists() else SAMPLES
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def ndjson(alerts: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(a).encode() + b"\n" for a in alerts)


def unique_copies(
    alerts: list[dict[str, Any]], count: int, *, vary_source: bool = False
) -> list[dict[str, Any]]:
    """``count`` alerts cycled from ``alerts`` with fresh ids (and distinct attackers)."""
    out = []
    for n in range(count):
        alert = copy.deepcopy(alerts[n % len(alerts)])
        alert["id"] = f"1800000000.{n}"
        if vary_source:
            alert.setdefault("data", {})["srcip"] = f"198.18.{n // 250 % 250}.{n % 250 + 1}"
        out.append(alert)
    return out


@pytest.fixture(scope="session")
def samples() -> list[dict[str, Any]]:
    return sample_alerts()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(ready: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class LiveServer:
    """A real ``vtoc server run`` process on an embedded SQLite file."""

    url: str
    database_url: str
    token: str
    hmac_secret: str
    process: subprocess.Popen[bytes]

    def client(self) -> VtocClient:
        return VtocClient(self.url, self.token)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    database_url = f"sqlite:///{tmp_path / 'live.db'}"
    secret = "live-hmac-" + uuid.uuid4().hex
    port = free_port()
    env = os.environ | {
        "VTOC_DATABASE_URL": database_url,
        "VTOC_INGEST_HMAC_SECRET": secret,
    }
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("vtoc")), "server", "run", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(f"{url}/readyz"), 60, "vtoc server")
        engine = make_engine(database_url)
        with make_sessionmaker(engine)() as session:
            created = tokens.create(
                session, actor="test", data=TokenCreate(name="ingest", role=Role.operator)
            )
            session.commit()
        engine.dispose()
        yield LiveServer(url, database_url, created.token, secret, process)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
