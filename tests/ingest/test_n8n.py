"""End to end through a real n8n: Wazuh's integration → n8n webhook → vTOC report, and the
scheduled workflows run once each through their manual trigger (`n8n execute`)."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from tests.ingest.conftest import LiveServer
from tests.ingest.n8n import N8N_BIN, WORKFLOWS, N8n, installed, n8n_instance
from tests.ingest.test_custom_vtoc import SCRIPT
from tests.processes import wait_for
from vtoc import schemas as s
from vtoc.server.db import make_engine
from vtoc.server.models import Operation

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
    wait_for(lambda: n8n.webhook_ready("wazuh-alert"), 60, "the wazuh-alert webhook")

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
        wait_for(lambda: bool(client.tasks.list().items), 30, "the executor task")
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


def imported(n8n: N8n) -> None:
    """All three workflows in n8n's database; ``n8n execute`` needs no running n8n."""
    n8n.cli("import:workflow", "--separate", f"--input={WORKFLOWS}")


def run_workflow(n8n: N8n, name: str) -> None:
    """One run of a scheduled workflow now, through its manual trigger, as `n8n execute`."""
    workflow_id = json.loads((WORKFLOWS / f"{name}.json").read_text())["id"]
    n8n.cli("execute", f"--id={workflow_id}")


def test_operations_monitoring_files_a_report_per_stale_operation_and_overdue_mission(
    n8n: N8n, live_server: LiveServer
) -> None:
    with live_server.client() as client:
        stale = client.operations.create(code="OPS-1", name="Quiet watch", status="active")
        fresh = client.operations.create(code="OPS-2", name="Busy watch", status="active")
        late = client.missions.create(
            s.MissionCreate(
                operation_id=fresh.id,
                name="Relay check",
                priority=s.Priority.high,
                due_at=datetime.now(UTC) - timedelta(hours=3),
            )
        )
        client.missions.create(
            s.MissionCreate(
                operation_id=fresh.id, name="Later", due_at=datetime.now(UTC) + timedelta(days=1)
            )
        )
    # Nobody has touched the first operation for ten days (VTOC_STALE_DAYS defaults to 7).
    engine = make_engine(live_server.env["VTOC_DATABASE_URL"])
    with engine.begin() as db:
        db.execute(
            update(Operation)
            .where(Operation.id == stale.id)
            .values(updated_at=datetime.now(UTC) - timedelta(days=10))
        )
    engine.dispose()

    imported(n8n)
    run_workflow(n8n, "operations-monitoring")
    run_workflow(n8n, "operations-monitoring")  # the same day again: nothing new

    with live_server.client() as client:
        reports = {r.title: r for r in client.intel.list(source=["n8n"]).items}
    assert set(reports) == {"Stale operation OPS-1: Quiet watch", "Overdue mission: Relay check"}
    today = datetime.now(UTC).date().isoformat()
    assert reports["Stale operation OPS-1: Quiet watch"].operation_id == stale.id
    assert reports["Stale operation OPS-1: Quiet watch"].source_ref == (
        f"stale-operation-{stale.id}-{today}"
    )
    overdue = reports["Overdue mission: Relay check"]
    assert (overdue.operation_id, overdue.severity) == (fresh.id, "high")
    assert overdue.source_ref == f"overdue-mission-{late.id}-{today}"


def test_operations_monitoring_flags_nothing_while_no_operation_is_active(
    n8n: N8n, live_server: LiveServer
) -> None:
    with live_server.client() as client:
        client.operations.create(code="OPS-3", name="Not started", status="planned")
    imported(n8n)
    run_workflow(n8n, "operations-monitoring")
    with live_server.client() as client:
        assert client.intel.list(source=["n8n"]).items == []


@dataclass
class Receiver:
    """A local webhook that keeps what it was sent: the far end of the data sync."""

    url: str
    deliveries: list[tuple[str, bytes]] = field(default_factory=list)
    status: int = 204  # what it answers


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got: list[tuple[str, bytes]] = []
    answers = Receiver("", got)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.append((self.headers.get("Content-Type") or "", body))
            self.send_response(answers.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    answers.url = f"http://127.0.0.1:{server.server_address[1]}/sync"
    try:
        yield answers
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def n8n_syncing(live_server: LiveServer, receiver: Receiver, tmp_path: Path) -> Iterator[N8n]:
    env = {
        "VTOC_API_URL": live_server.url,
        "VTOC_TOKEN": live_server.token,
        "VTOC_SYNC_WEBHOOK_URL": receiver.url,
    }
    folder = tmp_path / "n8n"
    folder.mkdir()
    yield from n8n_instance(folder, env)


def test_data_sync_exports_new_intel_as_ndjson_and_resumes_after_the_last_event(
    n8n_syncing: N8n, live_server: LiveServer, receiver: Receiver
) -> None:
    n8n = n8n_syncing
    with live_server.client() as client:
        first = [client.intel.create(title=f"Sighting {n}", severity="low") for n in (1, 2)]
        client.operations.create(code="SYNC-1", name="Not intel")  # not exported
    imported(n8n)
    run_workflow(n8n, "data-sync")

    ((content_type, body),) = receiver.deliveries
    assert content_type == "application/x-ndjson"
    sent = [json.loads(line) for line in body.decode().splitlines()]
    assert [(e["kind"], e["entity_id"]) for e in sent] == [("intel.created", r.id) for r in first]
    assert [e["data"]["title"] for e in sent] == ["Sighting 1", "Sighting 2"]

    with live_server.client() as client:
        later = client.intel.create(title="Sighting 3")
        client.intel.update(first[0].id, {"severity": "high"}, version=first[0].version)
    run_workflow(n8n, "data-sync")
    run_workflow(n8n, "data-sync")  # nothing new since: nothing sent

    assert len(receiver.deliveries) == 2
    resumed = [json.loads(line) for line in receiver.deliveries[1][1].decode().splitlines()]
    assert [(e["kind"], e["entity_id"]) for e in resumed] == [
        ("intel.created", later.id),
        ("intel.updated", first[0].id),
    ]
    assert resumed[0]["id"] > sent[-1]["id"]


def test_data_sync_sends_again_what_the_webhook_refused(
    n8n_syncing: N8n, live_server: LiveServer, receiver: Receiver
) -> None:
    n8n = n8n_syncing
    with live_server.client() as client:
        report = client.intel.create(title="Sighting while the far end is down")
    imported(n8n)
    receiver.status = 503
    workflow_id = json.loads((WORKFLOWS / "data-sync.json").read_text())["id"]
    failed = subprocess.run(
        [str(N8N_BIN), "execute", f"--id={workflow_id}"],
        env=n8n.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert failed.returncode != 0, failed.stdout
    receiver.status = 204
    run_workflow(n8n, "data-sync")

    assert len(receiver.deliveries) >= 2  # n8n may retry on its own; the event is never lost
    assert receiver.deliveries[-1][1] == receiver.deliveries[0][1]
    (event,) = [json.loads(line) for line in receiver.deliveries[-1][1].decode().splitlines()]
    assert (event["kind"], event["entity_id"]) == ("intel.created", report.id)
