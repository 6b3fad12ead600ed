"""On PostgreSQL the intel list and show answers are rendered by the database
(``services/intel_json``): they must say exactly what the Python rendering says."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.ingest.conftest import sample_alerts
from vtoc import schemas as s
from vtoc.client import VtocClient
from vtoc.server.api.crud import json_renderer
from vtoc.server.db import make_sessionmaker
from vtoc.server.services.intel import intel

PAGE = json_renderer(s.Page[s.Intel])
ONE = json_renderer(s.Intel)


@pytest.fixture
def operator(operator_on_either_read_path: VtocClient) -> VtocClient:
    return operator_on_either_read_path


@pytest.fixture
def postgresql_only(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite answers from the Python rendering: there is nothing to compare")
    return engine


def python_page(engine: Engine, **query: Any) -> Any:
    with make_sessionmaker(engine)() as session:
        rows, cursor = intel.list(session, s.IntelQuery(**query))
        return json.loads(PAGE({"items": rows, "next_cursor": cursor}).body)


def test_database_rendering_says_what_python_says(
    operator: VtocClient, postgresql_only: Engine
) -> None:
    op = operator.operations.create(name="Harbor")
    asset = operator.assets.create(name="srv-ünïcode-01", kind="server")
    operator.intel.create(
        title='Quotes " and \\ backslash, tab\there',
        body="Line one\nline two 203.0.113.7 evil.example.com \u2603 \U0001f600",
        severity="high",
        operation_id=op.id,
        asset_id=asset.id,
        observed_at="2026-01-02T03:04:05Z",  # no microseconds: pydantic writes none
        raw={"nested": {"list": [1, 2.5, None, True], "text": "ä\nö"}, "empty": {}},
    )
    operator.intel.create(title="Nothing to extract", body="", tlp="red")
    operator.intel.create(
        title="Many", body="a@b.example 198.51.100.1 44d88612fea8a8f36de82e1278abb02f CVE-2024-1"
    )
    operator.ingest_wazuh(sample_alerts()[:8])

    queries: list[dict[str, Any]] = [
        {"limit": 3},
        {"limit": 3, "raw": True},
        {"limit": 2, "q": "203.0.113.7"},
        {"severity": ["high"]},
    ]
    for query in queries:
        cursor = None
        while True:
            page = {**query, "cursor": cursor} if cursor else dict(query)
            got = operator.http.get("/api/v1/intel", params=page)
            assert got.status_code == 200
            assert got.json() == python_page(postgresql_only, **page), page
            cursor = got.json()["next_cursor"]
            if cursor is None:
                break

    with make_sessionmaker(postgresql_only)() as session:
        for report in operator.intel.iterate(limit=100, raw=True):
            got = operator.http.get(f"/api/v1/intel/{report.id}")
            assert got.json() == json.loads(ONE(intel.read(session, report.id)).body)
            assert s.Intel.model_validate_json(got.content) == report


def test_a_bad_cursor_or_a_missing_report_is_still_refused(
    operator: VtocClient, postgresql_only: Engine
) -> None:
    bad = operator.http.get("/api/v1/intel", params={"cursor": "not-a-cursor"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "cursor")
    assert operator.http.get("/api/v1/intel/987654321").status_code == 404
    assert operator.http.get("/api/v1/intel/OP-1").status_code == 404


@pytest.mark.parametrize("served", [False, True], ids=["psycopg2", "asyncpg"])
def test_a_scoped_token_reads_no_other_operations_report_on_either_path(
    served: bool, app: FastAPI, make_token: Callable[..., str], postgresql_only: Engine
) -> None:
    """Served, unscoped tokens read through asyncpg; a scoped one must still see only its
    operations' reports (its session carries the scope, asyncpg's reads would not)."""
    with contextlib.ExitStack() as stack:
        http = stack.enter_context(TestClient(app)) if served else TestClient(app)
        admin = VtocClient("http://testserver", make_token(s.Role.admin), http=http)
        inside, outside = (admin.operations.create(name=name) for name in ("Alpha", "Bravo"))
        mine = admin.intel.create(title="Alpha sighting", operation_id=inside.id)
        theirs = admin.intel.create(title="Bravo sighting", operation_id=outside.id)
        loose = admin.intel.create(title="No operation's report")
        created = admin.create_token(
            s.TokenCreate(name="alpha-only", role=s.Role.viewer, operations=[inside.code])
        )
        scoped = {"Authorization": f"Bearer {created.token}"}
        assert http.get(f"/api/v1/intel/{mine.id}", headers=scoped).status_code == 200
        for hidden in (theirs.id, loose.id):
            assert http.get(f"/api/v1/intel/{hidden}", headers=scoped).status_code == 404
        listed = http.get("/api/v1/intel", params={"limit": 50}, headers=scoped).json()
        assert [item["id"] for item in listed["items"]] == [mine.id]
        everyone = http.get("/api/v1/intel", params={"limit": 50}, headers=admin.http.headers)
        assert {mine.id, theirs.id, loose.id} <= {item["id"] for item in everyone.json()["items"]}
        reads = app.state.async_reads
        assert not served or reads.compiled, "the unscoped reads did not go through asyncpg"
