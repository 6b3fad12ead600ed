"""Prometheus metrics, defined once; other areas call the small functions at the bottom.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``uvicorn --workers N``), every worker writes its
samples to files in that directory and ``/metrics`` aggregates them, so any worker can
answer a scrape for all of them. Gauges say how to combine workers (``multiprocess_mode``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from vtoc.server.db import utcnow
from vtoc.server.models import EventRow

UNMATCHED = "<unmatched>"  # one label for every path no route knows: bounded cardinality

HTTP_REQUESTS = Counter(
    "vtoc_http_requests", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "vtoc_http_request_duration_seconds",
    "Time from the request's arrival to its last response byte.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RATE_LIMITED = Counter("vtoc_rate_limited", "Requests refused with 429.", ["kind"])
DB_POOL_CHECKED_OUT = Gauge(
    "vtoc_db_pool_checked_out",
    "Database connections in use right now.",
    multiprocess_mode="livesum",
)
DB_POOL_CONNECTIONS = Gauge(
    "vtoc_db_pool_connections",
    "Database connections open (in use or idle in the pool).",
    multiprocess_mode="livesum",
)
EVENTS_LAST_ID = Gauge(
    "vtoc_events_last_id", "The largest event id written.", multiprocess_mode="max"
)
EVENTS_LAG = Gauge(
    "vtoc_events_lag_seconds",
    "Seconds since the newest event was written (large: nothing is happening, or writes fail).",
    multiprocess_mode="min",
)
INGEST_ALERTS = Counter(
    "vtoc_ingest_alerts", "Ingested alerts by source and outcome.", ["source", "outcome"]
)
AGENT_RUNS = Counter(
    "vtoc_agent_runs", "Agent runs by agent and final status.", ["agent", "status"]
)
AGENT_RUN_DURATION = Histogram(
    "vtoc_agent_run_duration_seconds",
    "How long agent runs took.",
    ["agent"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900),
)
KEPT_READS = Counter(
    "vtoc_kept_reads",
    "Polled reads (the first page of intel) answered again because nothing was written since "
    "(hit), or read anew (miss).",
    ["outcome"],
)
KEPT_READS_HIT = KEPT_READS.labels("hit")
KEPT_READS_MISSED = KEPT_READS.labels("miss")
SSE_SUBSCRIBERS = Gauge(
    "vtoc_sse_subscribers", "Open event-stream connections.", multiprocess_mode="livesum"
)


def exposition(session: Session) -> tuple[bytes, str]:
    """The text a scrape gets: refresh the database-derived gauges, then render."""
    last_id, last_ts = session.execute(select(func.max(EventRow.id), func.max(EventRow.ts))).one()
    EVENTS_LAST_ID.set(last_id or 0)
    if last_ts is not None:
        if last_ts.tzinfo is None:  # SQLite's max() bypasses the UTC type decorator
            last_ts = last_ts.replace(tzinfo=utcnow().tzinfo)
        EVENTS_LAG.set(max(0.0, (utcnow() - last_ts).total_seconds()))
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def watch_pool(engine: Engine) -> None:
    """Keep the pool gauges current from the pool's own events, in every worker."""

    def checkout(*_: Any) -> None:
        DB_POOL_CHECKED_OUT.inc()

    def checkin(*_: Any) -> None:
        DB_POOL_CHECKED_OUT.dec()

    def connect(*_: Any) -> None:
        DB_POOL_CONNECTIONS.inc()

    def close(*_: Any) -> None:
        DB_POOL_CONNECTIONS.dec()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    event.listen(engine, "connect", connect)
    event.listen(engine, "close", close)
    event.listen(engine, "close_detached", close)


def mark_process_dead(pid: int) -> None:
    """uvicorn's ``child_exit`` hook: drop a dead worker's live gauges."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


# For the other areas ----------------------------------------------------------------------


#: each (method, route, status)'s two series, looked up once: ``labels()`` takes a lock and
#: builds its key on every call
_REQUEST_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    series = _REQUEST_SERIES.get(key)
    if series is None:
        series = _REQUEST_SERIES[key] = (
            HTTP_REQUESTS.labels(method, route, str(status)),
            HTTP_LATENCY.labels(method, route),
        )
    series[0].inc()
    series[1].observe(seconds)


def rate_limited(kind: str) -> None:
    RATE_LIMITED.labels(kind).inc()


def ingest_counted(
    source: str, *, created: int, duplicates: int, rejected: int, updated: int = 0
) -> None:
    """After an ingest batch: alerts new, seen before, refused, or folded into a report."""
    outcomes = (
        ("created", created),
        ("duplicate", duplicates),
        ("rejected", rejected),
        ("updated", updated),
    )
    for outcome, count in outcomes:
        if count:
            INGEST_ALERTS.labels(source, outcome).inc(count)


def agent_run_finished(agent: str, status: str, seconds: float) -> None:
    AGENT_RUNS.labels(agent, status).inc()
    AGENT_RUN_DURATION.labels(agent).observe(seconds)


@contextmanager
def sse_subscriber() -> Iterator[None]:
    """Wrap an event stream's lifetime: counts it while it is open."""
    SSE_SUBSCRIBERS.inc()
    try:
        yield
    finally:
        SSE_SUBSCRIBERS.dec()
