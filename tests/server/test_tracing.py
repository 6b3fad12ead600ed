"""OpenTelemetry: off (and not even imported) by default; a request makes a span when on."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from vtoc.config import ServerSettings
from vtoc.server.app import create_app


def test_tracing_is_off_and_not_imported_by_default(tmp_path: object) -> None:
    # FastAPI itself may import the small opentelemetry API; the SDK and exporters stay out.
    script = (
        "import sys\n"
        "from vtoc.config import ServerSettings\n"
        "from vtoc.server.app import create_app\n"
        f"create_app(ServerSettings(database_url='sqlite:///{tmp_path}/t.db'))\n"
        "import vtoc.client, vtoc.cli.main\n"
        "heavy = ('opentelemetry.sdk', 'opentelemetry.exporter', 'opentelemetry.instrumentation')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_request_produces_a_server_span(settings: ServerSettings) -> None:
    memory = pytest.importorskip(
        "opentelemetry.sdk.trace.export.in_memory_span_exporter",
        reason="the otel extra is not installed",
    )
    from vtoc.telemetry import instrument_client, instrument_server

    exporter = memory.InMemorySpanExporter()
    app = create_app(settings)
    instrument_server(app, exporter)
    with TestClient(app) as http:
        instrument_client(http, exporter)
        response = http.get("/api/v1/operations/987654", headers={"X-Request-ID": "traced-1"})
    assert response.status_code == 401
    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.attributes.get("http.route") == "/api/v1/operations/{ref}"]
    assert server, [s.name for s in spans]
    assert (
        server[0].attributes.get(
            "http.response.status_code", server[0].attributes.get("http.status_code")
        )
        == 401
    )
    client = [s for s in spans if s.resource.attributes["service.name"] == "vtoc-client"]
    assert client and client[0].context.trace_id == server[0].context.trace_id


def test_a_global_tracer_provider_does_not_trace_the_server_by_itself(tmp_path: object) -> None:
    # FastAPI (0.142+) would trace every request through whatever global provider the
    # process has (an auto-instrumented deployment sets one): vTOC traces only when told to,
    # through its own provider, and so spends nothing on it per request otherwise.
    pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")
    script = (
        "from fastapi.testclient import TestClient\n"
        "from opentelemetry import trace\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import "
        "InMemorySpanExporter\n"
        "from vtoc.config import ServerSettings\n"
        "from vtoc.server.app import create_app\n"
        "exporter = InMemorySpanExporter()\n"
        "provider = TracerProvider()\n"
        "provider.add_span_processor(SimpleSpanProcessor(exporter))\n"
        "trace.set_tracer_provider(provider)\n"
        f"app = create_app(ServerSettings(database_url='sqlite:///{tmp_path}/t.db'))\n"
        "with TestClient(app) as http:\n"
        "    assert http.get('/healthz').status_code == 200\n"
        "    assert http.get('/api/v1/operations').status_code == 401\n"
        "print(len(exporter.get_finished_spans()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
