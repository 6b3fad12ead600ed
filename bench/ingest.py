"""Wazuh ingest throughput on PostgreSQL against a raw COPY of the same rows, same run.

Alerts come from the shared samples with unique ids and a distinct attacker each, so every
alert files its own report (the worst case: no flood folds work away). They go through the
real app (HTTP, token auth, parsing, mapping, dedup lookups, bulk writes, events) in
batches of 500. The baseline COPYs the rows that ingest produced (reports, indicators,
alert ids, events) into empty tables with the same indexes, checks and foreign keys.

Two ways of sending: one sender in-process (the app's own cost, nothing else on the CPU),
and ``SENDERS`` concurrent senders against a real ``vtoc server run`` with two workers, as
Wazuh managers and n8n deliver at once (one sender leaves the database idle while Python
maps a batch, and Python idle while the database writes one).
"""

from __future__ import annotations

import copy
import io
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bench.common import Row, fresh_database, row, vtoc_server
from vtoc.client import VtocClient
from vtoc.config import ServerSettings
from vtoc.schemas import Role, TokenCreate
from vtoc.server.app import create_app
from vtoc.server.db import make_engine, make_sessionmaker
from vtoc.server.services import tokens

SAMPLES = Path(__file__).parents[1] / "tests" / "ingest" / "wazuh-alerts.ndjson"
BATCH = 500
SENDERS = 4
TABLES = ("intel_reports", "indicators", "ingested_alerts", "events")
# The foreign keys of the real tables (LIKE copies every index and check, but not these).
FOREIGN_KEYS = (
    "ALTER TABLE copy_intel_reports ADD FOREIGN KEY (asset_id) REFERENCES assets (id)",
    "ALTER TABLE copy_indicators ADD FOREIGN KEY (report_id) REFERENCES copy_intel_reports (id)",
    "ALTER TABLE copy_ingested_alerts ADD FOREIGN KEY (report_id) "
    "REFERENCES copy_intel_reports (id)",
)
GOAL_RATE = 10_000.0
GOAL_RATIO = 0.3


def alerts(count: int) -> list[bytes]:
    """NDJSON batches of ``count`` distinct alerts."""
    samples = [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip()]
    lines = []
    for n in range(count):
        alert = copy.deepcopy(samples[n % len(samples)])
        alert["id"] = f"1900000000.{n}"
        alert.setdefault("data", {})["srcip"] = f"198.18.{n // 250 % 250}.{n % 250 + 1}"
        lines.append(json.dumps(alert).encode())
    return [b"\n".join(lines[i : i + BATCH]) + b"\n" for i in range(0, count, BATCH)]


def ingest_rate(url: str, engine: Engine, batches: list[bytes], count: int) -> float:
    with make_sessionmaker(engine)() as session:
        token = tokens.create(
            session, actor="bench", data=TokenCreate(name="bench", role=Role.operator)
        ).token
        session.commit()
    app = create_app(ServerSettings(database_url=url))
    # No lifespan: the event hub would only add its own polling to the measurement.
    with VtocClient("http://testserver", token, http=TestClient(app)) as client:
        # One request first: the app's one-time start-up (the access log's route templates
        # come from the OpenAPI schema, ~0.4 s) is not ingest throughput.
        client.whoami()
        started = time.perf_counter()
        created = sum(client.ingest_wazuh(body).created for body in batches)
        elapsed = time.perf_counter() - started
    app.state.engine.dispose()
    if created != count:
        raise RuntimeError(f"ingest filed {created} reports for {count} alerts")
    return count / elapsed


def concurrent_rate(url: str, batches: list[bytes], count: int) -> float:
    """``SENDERS`` clients posting the batches at once to a real server (two workers)."""
    with tempfile.TemporaryDirectory() as home, vtoc_server(url, Path(home)) as (base, token):

        def send(bodies: list[bytes]) -> int:
            with VtocClient(base, token) as client:
                return sum(client.ingest_wazuh(body).created for body in bodies)

        with ThreadPoolExecutor(SENDERS) as pool:
            started = time.perf_counter()
            shares = [batches[i::SENDERS] for i in range(SENDERS)]
            created = sum(pool.map(send, shares))
            elapsed = time.perf_counter() - started
    if created != count:
        raise RuntimeError(f"ingest filed {created} reports for {count} alerts")
    return count / elapsed


def copy_rate(engine: Engine, count: int) -> float:
    """COPY what ingest wrote, out and back into empty look-alike tables, timing the COPY in."""
    raw = engine.raw_connection()
    try:
        cursor: Any = raw.cursor()  # psycopg2's: it has copy_expert
        dumps: list[tuple[str, str, io.BytesIO]] = []
        for table in TABLES:
            cursor.execute(
                "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) "
                "FROM information_schema.columns "
                "WHERE table_name = %s AND is_generated = 'NEVER'",
                (table,),
            )
            (columns,) = cursor.fetchone() or ("",)
            data = io.BytesIO()
            cursor.copy_expert(f"COPY {table} ({columns}) TO STDOUT", data)
            cursor.execute(f"CREATE TABLE copy_{table} (LIKE {table} INCLUDING ALL)")
            dumps.append((table, columns, data))
        for statement in FOREIGN_KEYS:
            cursor.execute(statement)
        raw.commit()
        started = time.perf_counter()
        for table, columns, data in dumps:
            data.seek(0)
            cursor.copy_expert(f"COPY copy_{table} ({columns}) FROM STDIN", data)
        raw.commit()
        return count / (time.perf_counter() - started)
    finally:
        raw.close()


def run(quick: bool) -> list[Row]:
    count = 1_000 if quick else 50_000
    batches = alerts(count)
    url = fresh_database("vtoc_bench_ingest")
    engine = make_engine(url)
    try:
        rate = ingest_rate(url, engine, batches, count)
        baseline = copy_rate(engine, count)
    finally:
        engine.dispose()
    many_url = fresh_database("vtoc_bench_ingest_many")
    many = concurrent_rate(many_url, batches, count)
    goal = f">= {GOAL_RATE:,.0f} alerts/s and >= {GOAL_RATIO} x COPY"
    figure = f"Wazuh ingest, PostgreSQL, batches of {BATCH}, dedup on ({count} alerts)"
    return [
        row(
            f"{figure}, one sender",
            rate,
            "alerts/s",
            goal,
            rate >= GOAL_RATE and rate / baseline >= GOAL_RATIO,
            baseline=baseline,
        ),
        row(
            f"{figure}, {SENDERS} senders, server with 2 workers",
            many,
            "alerts/s",
            goal,
            many >= GOAL_RATE and many / baseline >= GOAL_RATIO,
            baseline=baseline,
        ),
    ]


if __name__ == "__main__":
    for result in run(quick=os.environ.get("BENCH_QUICK") == "1"):
        print(result)  # noqa: T201
