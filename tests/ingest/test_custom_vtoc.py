"""deploy/wazuh/custom-vtoc run the way Wazuh's integratord runs it."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.ingest.conftest import LiveServer
from tests.processes import free_port

SCRIPT = Path(__file__).parents[2] / "deploy" / "wazuh" / "custom-vtoc"


def run_integration(
    alert_file: Path, api_key: str, hook_url: str, **env: str
) -> subprocess.CompletedProcess[str]:
    # integratord passes the alert file, the api_key and the hook_url (and an options file).
    options = alert_file.with_suffix(".options")
    options.write_text("{}")
    return subprocess.run(
        [str(SCRIPT), str(alert_file), api_key, hook_url, str(options)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def test_an_alert_delivered_by_custom_vtoc_becomes_a_report(
    live_server: LiveServer, samples: list[dict[str, Any]], tmp_path: Path
) -> None:
    alert = samples[1]
    alert_file = tmp_path / "alert.json"
    alert_file.write_text(json.dumps(alert))
    hook = f"{live_server.url}/api/v1/ingest/wazuh"
    done = run_integration(alert_file, live_server.hmac_secret, hook)
    assert done.returncode == 0, done.stderr
    with live_server.client() as client:
        (report,) = client.intel.list(source=["wazuh"]).items
    assert report.source_ref == f"wazuh-manager-1/{alert['id']}"
    assert report.title == alert["rule"]["description"]
    again = run_integration(alert_file, live_server.hmac_secret, hook)
    assert again.returncode == 0
    with live_server.client() as client:
        assert len(client.intel.list(source=["wazuh"]).items) == 1


def test_a_wrong_key_is_refused_without_retrying(
    live_server: LiveServer, samples: list[dict[str, Any]], tmp_path: Path
) -> None:
    alert_file = tmp_path / "alert.json"
    alert_file.write_text(json.dumps(samples[0]))
    done = run_integration(alert_file, "not-the-key", f"{live_server.url}/api/v1/ingest/wazuh")
    assert done.returncode == 2
    assert "HTTP 401" in done.stderr
    assert "attempt" not in done.stderr


def test_a_down_server_is_retried_then_reported(
    samples: list[dict[str, Any]], tmp_path: Path
) -> None:
    alert_file = tmp_path / "alert.json"
    alert_file.write_text(json.dumps(samples[0]))
    hook = f"http://127.0.0.1:{free_port()}/api/v1/ingest/wazuh"
    started = time.monotonic()
    done = run_integration(alert_file, "key", hook, VTOC_HOOK_ATTEMPTS="3", VTOC_HOOK_BACKOFF="0.2")
    assert done.returncode == 1
    assert done.stderr.count("failed") == 2
    assert "giving up" in done.stderr
    assert time.monotonic() - started >= 0.6  # backed off 0.2 s, then 0.4 s
