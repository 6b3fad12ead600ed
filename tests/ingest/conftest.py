"""Wazuh alerts for the ingest tests: the shared samples, and factories for more."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

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
