"""Wazuh alerts for the ingest tests: the shared samples, and factories for more."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import mint_token, server_process, vtoc_env
from vtoc.client import VtocClient

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


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class LiveServer:
    """A real ``vtoc server run`` process on an embedded SQLite file."""

    url: str
    env: dict[str, str]
    token: str
    hmac_secret: str

    def client(self) -> VtocClient:
        return VtocClient(self.url, self.token)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    secret = "live-hmac-" + uuid.uuid4().hex
    env = vtoc_env(f"sqlite:///{tmp_path / 'live.db'}", tmp_path, VTOC_INGEST_HMAC_SECRET=secret)
    with server_process(env, log=tmp_path / "server.log") as url:
        token = mint_token(env, "ingest", "operator")
        yield LiveServer(url, env | {"VTOC_API_URL": url, "VTOC_TOKEN": token}, token, secret)
