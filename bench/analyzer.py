"""Analyzer benchmark: an incremental run over 10k new reports among 100k and among 1M.

The goal is that a run costs in proportion to the new reports: the same 10k new reports
must take about as long among 1M earlier ones as among 100k (within 1.5x), and under 5 s.
Base rows are bulk-loaded with COPY into a scratch PostgreSQL database; the analyzer then
runs exactly as a worker runs it, through the async client, against the real app.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, text

from bench.common import drop_database, fresh_database, row
from bench.datagen import settle
from vtoc import schemas as s
from vtoc.agents import analyzer
from vtoc.agents.base import Run
from vtoc.client import AsyncVtocClient
from vtoc.config import ServerSettings
from vtoc.server.app import create_app
from vtoc.server.db import make_engine, make_sessionmaker
from vtoc.server.services import tokens

COMMON_IP = "198.51.100.1"  # in every report: over the fan-out limit, it must cost nothing
NOW = datetime.now(UTC)
COPY_ROWS = 100_000


def copy(engine: Engine, table: str, columns: str, rows: Iterator[str]) -> None:
    """COPY rows (tab-separated lines) in chunks: seconds for a million rows."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        while True:
            chunk = [line for _, line in zip(range(COPY_ROWS), rows, strict=False)]
            if not chunk:
                break
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO("".join(chunk)))
        raw.commit()
    finally:
        raw.close()


def load(engine: Engine, base: int, new: int, seed: int = 7) -> None:
    """``base`` earlier reports over 30 days, then ``new`` ones that link back into them."""
    rng = random.Random(seed)
    pool = max(1, base // 4)  # each base domain is in 4 base reports

    def report_rows() -> Iterator[str]:
        for i in range(1, base + new + 1):
            age = timedelta(days=30) * (base - i) / base if i <= base else timedelta()
            at = (NOW - age).isoformat()
            yield f"{i}\treport {i}\t\tmanual\tinfo\t50\tamber\t{at}\t1\t{at}\t{at}\t{at}\t1\n"

    def indicator_rows() -> Iterator[str]:
        for i in range(1, base + new + 1):
            if i <= base:
                domain, ip = f"h{i % pool}.bench.test", None
            else:
                j = i - base
                domain = f"h{rng.randrange(pool)}.bench.test"
                ip = f"172.16.{(j // 2) // 256}.{(j // 2) % 256}"  # shared by pairs of new ones
            yield f"{i}\tdomain\t{domain}\n"
            yield f"{i}\tipv4\t{COMMON_IP}\n"
            yield f"{i}\tmd5\t{hashlib.md5(str(i).encode()).hexdigest()}\n"
            if ip:
                yield f"{i}\tipv4\t{ip}\n"

    copy(
        engine,
        "intel_reports",
        "id, title, body, source, severity, confidence, tlp, observed_at, occurrences, "
        "last_seen_at, created_at, updated_at, version",
        report_rows(),
    )
    copy(engine, "indicators", "report_id, kind, value", indicator_rows())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT setval('intel_reports_id_seq', :n)"), {"n": base + new})
    settle(engine, "intel_reports", "indicators")


async def analyze(url: str, after: int) -> tuple[float, dict[str, Any]]:
    """One analyzer run from high-water ``after``, timed, through the client on the app."""
    app = create_app(ServerSettings(database_url=url))
    with make_sessionmaker(app.state.engine)() as session:
        token = tokens.create(
            session,
            actor="bench",
            data=s.TokenCreate(name=f"bench-{time.time_ns()}", role=s.Role.operator),
        ).token
        session.commit()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    async with AsyncVtocClient("http://bench", token, http=http, timeout=600) as client:
        agent = await client.agents.get("analyzer")
        # Effects (escalations) are not what is measured: only the correlation itself.
        config = {"cluster_size_threshold": 10**9}
        agent = agent.model_copy(update={"config": config, "state": {"high_water": after}})
        started = time.perf_counter()
        outcome = await analyzer.run(Run(client, agent, "bench"))
        elapsed = time.perf_counter() - started
    app.state.engine.dispose()
    return elapsed, outcome.stats


def forget_clusters(url: str) -> None:
    """Back to no clusters, so the same increment can be measured again."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE correlations, correlation_members"))
    engine.dispose()


def measure(base: int, new: int, repeat: int) -> tuple[float, dict[str, Any]]:
    """The best of ``repeat`` runs of the same increment: on a shared machine the others'
    load only ever adds time, so the minimum is the closest to the analyzer's own cost."""
    name = f"vtoc_bench_analyzer_{base}"
    url = fresh_database(name)
    try:
        engine = make_engine(url)
        load(engine, base, new)
        engine.dispose()
        runs = []
        for _ in range(repeat):
            forget_clusters(url)
            runs.append(asyncio.run(analyze(url, after=base)))
        return min(runs, key=lambda run: run[0])
    finally:  # a million reports is too much disk to leave behind
        drop_database(name)


def run(quick: bool) -> list[dict[str, object]]:
    new, small, large = (200, 2_000, 20_000) if quick else (10_000, 100_000, 1_000_000)
    repeat = 1 if quick else 3
    t_small, _ = measure(small, new, repeat)
    t_large, stats = measure(large, new, repeat)
    assert stats["reports"] == new, stats
    return [
        row(
            f"analyzer run, {new:,} new among {large:,} reports (PostgreSQL)",
            t_large,
            "s",
            "< 5 s",
            t_large < 5.0,
        ),
        row(
            f"analyzer run, {new:,} new among {large:,} vs among {small:,}",
            t_large,
            "s",
            "ratio <= 1.5",
            t_large / t_small <= 1.5,
            baseline=t_small,
        ),
    ]
