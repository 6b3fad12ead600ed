"""Operations on PostgreSQL are read, and created in one statement (with the event and the
stored answer, ``Operations.create_async``), through asyncpg on the event loop; they must
answer, record and replay as the synchronous path does, on either path."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from tests.conftest import PG_ADMIN_URL
from vtoc import schemas as s
from vtoc.server.async_reads import AsyncReads
from vtoc.server.errors import DatabaseUnavailableError

Post = Callable[..., httpx.Response]


@pytest.fixture(params=["psycopg2 in a worker thread", "asyncpg on the event loop"])
def http(
    request: pytest.FixtureRequest, app: FastAPI, make_token: Callable[..., str]
) -> Iterator[TestClient]:
    """An operator's HTTP client on either write path: a started lifespan (as a served app
    has) writes through asyncpg on PostgreSQL."""
    headers = {"Authorization": f"Bearer {make_token(s.Role.operator)}"}
    if request.param.startswith("psycopg2"):
        with TestClient(app, headers=headers) as client:
            app.state.async_reads = None  # as on SQLite: the synchronous path
            yield client
        return
    with TestClient(app, headers=headers) as client:
        yield client


def post(http: TestClient, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return http.post("/api/v1/operations", json=body, headers=headers)


def created_events(http: TestClient) -> list[dict[str, Any]]:
    found = http.get("/api/v1/events", params={"entity": "operation"}).json()["items"]
    return [e for e in found if e["kind"] == "operation.created"]


def test_a_create_answers_what_a_show_says_and_records_it(http: TestClient) -> None:
    made = post(http, {"name": "Dawn", "commander": "Reyes", "start_at": "2026-06-01T00:00:00Z"})
    assert made.status_code == 201
    answer = made.json()
    assert answer["code"] == f"OP-{answer['id']:04d}"
    assert answer["version"] == 1
    assert http.get(f"/api/v1/operations/{answer['id']}").json() == answer
    [event] = created_events(http)
    assert (event["entity_id"], event["operation_id"]) == (answer["id"], answer["id"])
    assert event["data"] == answer
    reads = http.app.state.async_reads  # type: ignore[attr-defined]
    assert reads is None or reads.pool.get_size() > 0, "the create did not go through asyncpg"


def test_a_retried_create_gets_the_first_answer_and_makes_one_row(http: TestClient) -> None:
    first = post(http, {"name": "Once"}, key="k-1")
    again = post(http, {"name": "Once"}, key="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    reused = post(http, {"name": "Other"}, key="k-1")
    assert reused.status_code == 409
    assert "different request body" in reused.json()["detail"]
    assert [o["name"] for o in http.get("/api/v1/operations").json()["items"]] == ["Once"]
    assert len(created_events(http)) == 1


def test_concurrent_retries_of_one_create_make_one_row(http: TestClient) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: post(http, {"name": "Raced"}, key="k-race"), range(8)))
    made = [a for a in answers if a.status_code == 201]
    assert len({a.json()["id"] for a in made}) == 1
    if http.app.state.async_reads is not None:  # type: ignore[attr-defined]
        # one statement stores the answer or waits for the one storing it, then sends it
        # (the synchronous path answers a retry that raced the first 409)
        assert made == answers
    assert len(http.get("/api/v1/operations").json()["items"]) == 1
    assert len(created_events(http)) == 1


def test_codes_taken_by_hand_are_refused_or_skipped(http: TestClient) -> None:
    hand = post(http, {"name": "Hand numbered", "code": "OP-0002"}).json()
    taken = post(http, {"name": "Copy", "code": "OP-0002"})
    assert taken.status_code == 409
    assert taken.json()["detail"] == f"code: operation {hand['id']} already has code OP-0002"
    first, second = (post(http, {"name": n}).json()["code"] for n in ("First", "Second"))
    assert (first, second) == ("OP-0003", "OP-0004")
    assert len(created_events(http)) == 3


def test_an_operation_ending_before_it_starts_is_refused_naming_the_field(
    http: TestClient,
) -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC).isoformat()
    refused = post(http, {"name": "Backwards", "start_at": start, "end_at": "2020-01-01T00:00:00Z"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["end_at"]
    assert http.get("/api/v1/operations").json()["items"] == []


def test_lists_and_shows_answer_alike_on_either_path(http: TestClient) -> None:
    made = [post(http, {"name": f"Op {i}", "priority": "high"}).json() for i in range(3)]
    first = http.get("/api/v1/operations", params={"limit": 2}).json()
    assert first["items"] == made[:0:-1]
    rest = http.get("/api/v1/operations", params={"limit": 2, "cursor": first["next_cursor"]})
    assert rest.json() == {"items": [made[0]], "next_cursor": None}
    several = http.get("/api/v1/operations", params=[("status", "planned"), ("status", "active")])
    assert several.json()["items"] == made[::-1]  # an IN list: the synchronous path

    shown = http.get(f"/api/v1/operations/{made[1]['id']}")
    assert (shown.json(), shown.headers["ETag"]) == (made[1], '"1"')
    assert http.get(f"/api/v1/operations/{made[1]['code']}").json() == made[1]
    held = http.get(f"/api/v1/operations/{made[1]['id']}", headers={"If-None-Match": '"1"'})
    assert held.status_code == 304
    missing = http.get("/api/v1/operations/999999")
    assert (missing.status_code, missing.json()["detail"]) == (404, "no operation '999999'")
    reads = http.app.state.async_reads  # type: ignore[attr-defined]
    assert reads is None or len(reads.compiled) >= 3, "show and list pages through asyncpg"


@pytest.mark.asyncio
async def test_a_database_with_no_room_for_a_connection_answers_as_one_that_is_down() -> None:
    """PostgreSQL refusing a new connection (``max_connections``, a role's limit) is the
    database not answering: a 503 to retry, as on the synchronous path, never a 500."""
    role = f"vtoc_no_room_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0"))
    reads = AsyncReads(
        str(make_url(PG_ADMIN_URL).set(username=role)), statement_timeout_ms=0, size=1
    )
    try:
        await reads.start()
        with pytest.raises(DatabaseUnavailableError):
            await reads.again_if_dropped(lambda conn: conn.fetchval("SELECT 1"))
        with pytest.raises(DatabaseUnavailableError):
            await reads.once(lambda conn: conn.fetchval("SELECT 1"))
    finally:
        await reads.close()
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
