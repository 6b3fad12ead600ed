"""End to end through a real n8n: Wazuh's integration → n8n webhook → vTOC report."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.conftest import LiveServer, wait_until
from tests.ingest.n8n import WORKFLOWS, N8n, installed, n8n_instance
from tests.ingest.test_custom_vtoc import SCRIPT

pytestmark = [
    pytest.mark.n8n,
    pytest.mark.e2e,
    pytest.mark.skipif(not installed(), reason="n8n is not installed: run `make n8n`"),
    pytest.mark.timeout(600),
]


@pytest.fixture
def n8n(live_server: LiveServer, tmp_path: Path) -> Iterator[N8n]:
    env = {"VTOC_API_URL": live_server.url, "VTOC_TOKEN": live_server.token}
    folder = tmp_path / "n8n"
    folder.mkdir()
    yield from n8n_instance(folder, env)


def test_workflow_files_are_n8n_exports() -> None:
    for path in sorted(WORKFLOWS.glob("*.json")):
        workflow = json.loads(path.read_text())
        names = {node["name"] for node in workflow["nodes"]}
        assert workflow["id"] and workflow["name"].startswith("vTOC"), path
        assert set(workflow["connections"]) <= names, path
        for targets in workflow["connections"].values():
            assert {t["node"] for out in targets["main"] for t in out} <= names, path
    assert {p.stem for p in WORKFLOWS.glob("*.json")} == {
        "security-alert-handling",
        "operations-monitoring",
        "data-sync",
    }


def test_an_alert_posted_to_n8n_becomes_a_vtoc_report(
    n8n: N8n, live_server: LiveServer, samples: list[dict[str, Any]], tmp_path: Path
) -> None:
    workflow = WORKFLOWS / "security-alert-handling.json"
    n8n.start()
    n8n.cli("import:workflow", "--separate", f"--input={WORKFLOWS}")  # all three import
    n8n.cli("publish:workflow", f"--id={json.loads(workflow.read_text())['id']}")
    n8n.restart()  # publishing takes effect only after a restart
    wait_until(lambda: n8n.webhook_ready("wazuh-alert"), 60, "the wazuh-alert webhook")

    alert = next(a for a in samples if a["rule"]["level"] >= 12)
    alert_file = tmp_path / "alert.json"
    alert_file.write_text(json.dumps(alert))
    hook = f"{n8n.url}/webhook/wazuh-alert"
    done = subprocess.run(
        [str(SCRIPT), str(alert_file), live_server.hmac_secret, hook],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr

    with live_server.client() as client:
        (report,) = client.intel.list(source=["wazuh"]).items
        assert report.source_ref == f"wazuh-manager-1/{alert['id']}"
        assert report.severity == "high"
        # a new high-severity report makes n8n ask the executor to run the analyzer now
        wait_until(lambda: bool(client.tasks.list().items), 30, "the executor task")
        (task,) = client.tasks.list().items
    assert task.action == "run_agent"
    assert task.params["report_ids"] == [report.id]

    forged = subprocess.run(
        [str(SCRIPT), str(alert_file), "not-the-secret", hook],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert forged.returncode == 2
    assert "HTTP 401" in forged.stderr
