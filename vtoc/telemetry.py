"""Optional OpenTelemetry tracing (the ``otel`` extra), off unless an OTLP endpoint is set.

Nothing here is imported unless ``VTOC_OTLP_ENDPOINT`` is set, so the packages stay optional
and cost nothing when tracing is off. Server spans come from the FastAPI instrumentation,
client spans (CLI, TUI, agents) from the httpx one; both propagate ``traceparent``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

ENDPOINT_ENV = "VTOC_OTLP_ENDPOINT"


def provider(exporter: SpanExporter, service: str) -> TracerProvider:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    from vtoc import __version__

    tracer_provider = TracerProvider(
        resource=Resource.create({"service.name": service, "service.version": __version__})
    )
    # In-memory exporters (tests) want spans at once; network exporters want batches.
    batch = type(exporter).__name__ != "InMemorySpanExporter"
    processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    tracer_provider.add_span_processor(processor)
    return tracer_provider


def export_to(endpoint: str) -> SpanExporter:
    """An OTLP/HTTP exporter, e.g. ``http://127.0.0.1:4318/v1/traces``."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=endpoint)


def instrument_server(app: FastAPI, exporter: SpanExporter) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider(exporter, "vtoc-server"), excluded_urls="healthz,readyz"
    )


def instrument_client(http: Any, exporter: SpanExporter, service: str = "vtoc-client") -> None:
    """Trace one httpx client's requests (``VtocClient.http``) and pass the trace on."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(http, tracer_provider=provider(exporter, service))


def instrument_client_from_env(http: Any, service: str = "vtoc-client") -> None:
    """What the CLI, TUI and agents call: traces their client only when an endpoint is set."""
    endpoint = os.environ.get(ENDPOINT_ENV)
    if endpoint:
        instrument_client(http, export_to(endpoint), service)
