"""The first page of intel, which every list and dashboard polls, is answered again from its
last read while nothing was written anywhere in the database (``AsyncReads.fetchrow_kept``):
never older than the database, whoever wrote (the API, a COPY, psql), and shared by callers
that ask at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, delete, select

from vtoc import schemas as s
from vtoc.server.async_reads import AsyncReads
from vtoc.server.db import make_sessionmaker
from vtoc.server.models import IntelReport
from vtoc.server.services import intel_json


@pytest.fixture
def served(app: FastAPI, engine: Engine, make_token: Callable[..., str]) -> Iterator[TestClient]:
    """An admin's client of the app with its lifespan (the asyncpg pool) on PostgreSQL."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads through its session: there is no asyncpg pool to keep reads")
    with TestClient(app) as http:
        http.headers["Authorization"] = f"Bearer {make_token(s.Role.admin)}"
        yield http


def kept_reads(http: TestClient) -> dict[str, float]:
    """``vtoc_kept_reads_total`` by outcome, as a scrape of ``/metrics`` reads it."""
    counts = {"hit": 0.0, "miss": 0.0}
    for family in text_string_to_metric_families(http.get("/metrics").text):
        for sample in family.samples:
            if sample.name == "vtoc_kept_reads_total":
                counts[sample.labels["outcome"]] = sample.value
    return counts


def titles(http: TestClient) -> list[str]:
    page = http.get("/api/v1/intel", params={"limit": 50})
    assert page.status_code == 200
    return [item["title"] for item in page.json()["items"]]


def test_a_first_page_read_again_with_nothing_written_is_kept(served: TestClient) -> None:
    served.post("/api/v1/intel", json={"title": "Seen once"}).raise_for_status()
    before = kept_reads(served)
    # Another database on the cluster may end a transaction between two reads (the
    # snapshot is the cluster's): the reads are repeated until a pair meets a quiet moment.
    for _ in range(50):
        hits = kept_reads(served)["hit"]
        first, again = titles(served), titles(served)
        assert first == again == ["Seen once"]
        if kept_reads(served)["hit"] > hits:
            break
    else:
        raise AssertionError("no list was answered from the one before it")
    assert kept_reads(served)["miss"] > before["miss"]


def test_a_row_written_past_the_api_shows_on_the_next_read(
    served: TestClient, engine: Engine
) -> None:
    """No event, no API: the snapshot still moves, so the kept page is not answered."""
    served.post("/api/v1/intel", json={"title": "Through the API"}).raise_for_status()
    assert titles(served) == titles(served) == ["Through the API"]
    with make_sessionmaker(engine)() as session:  # an ORM row: no service, no event
        session.add(IntelReport(title="Written past the API", source="manual", severity="low"))
        session.commit()
    assert titles(served) == ["Written past the API", "Through the API"]
    with make_sessionmaker(engine)() as session:
        session.execute(delete(IntelReport).where(IntelReport.title == "Through the API"))
        session.commit()
    assert titles(served) == ["Written past the API"]


def test_callers_asking_at_once_share_one_read(served: TestClient, app: FastAPI) -> None:
    """Fifty callers of the same first page: one statement, fifty equal answers."""
    reads: AsyncReads = app.state.async_reads
    statement = intel_json.page_statement(select(IntelReport), limit=50, cursor=None, raw=False)

    async def fifty() -> list[Any]:
        return list(await asyncio.gather(*(reads.fetchrow_kept(statement, {}) for _ in range(50))))

    for attempt in range(50):  # until the fifty meet a quiet moment of the cluster (see above)
        # a write first: the kept answer is stale, so the fifty must read at least once
        served.post("/api/v1/intel", json={"title": f"Polled {attempt}"}).raise_for_status()
        misses = kept_reads(served)["miss"]
        answers = served.portal.call(fifty)  # type: ignore[union-attr]
        assert all(answer == answers[0] for answer in answers)
        assert f"Polled {attempt}" in answers[0][0]
        if kept_reads(served)["miss"] == misses + 1:
            break
    else:
        raise AssertionError("the fifty callers never shared a read")
