"""Headers, CORS, rate limits, timeouts, hostile JSON, tokens at rest: on the real app."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from vtoc.client import AuthError, VtocClient
from vtoc.config import ServerSettings
from vtoc.schemas import Role, TokenCreate
from vtoc.server.app import create_app
from vtoc.server.hardening import RequestTimeout, json_depth_exceeds, outside_strings


def nested(depth: int) -> str:
    return '{"name": "Deep", "attributes": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


def test_security_headers_on_every_kind_of_answer(admin: VtocClient) -> None:
    answers = [
        admin.http.get("/api/v1/operations"),  # 200
        admin.http.get("/api/v1/operations/987654"),  # 404
        admin.http.get("/api/v1/operations", headers={"Authorization": "Bearer x"}),  # 401
        admin.http.post("/api/v1/operations", content=b"x" * (2 * 1024 * 1024)),  # 413
        admin.http.get("/healthz"),
    ]
    for response in answers:
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.status_code
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
    assert {r.status_code for r in answers} == {200, 404, 401, 413}
    docs = admin.http.get("/api/docs")
    assert docs.status_code == 200 and "Content-Security-Policy" not in docs.headers


def preflight(http: TestClient, origin: str) -> dict[str, str]:
    response = http.options(
        "/api/v1/operations",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    return dict(response.headers)


def test_cors_is_closed_by_default(admin: VtocClient) -> None:
    assert isinstance(admin.http, TestClient)
    assert "access-control-allow-origin" not in preflight(admin.http, "https://evil.example")
    got = admin.http.get("/api/v1/operations", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in got.headers


def test_cors_allows_only_listed_origins(settings: ServerSettings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://toc.example"]}))
    with TestClient(app) as http:
        allowed = preflight(http, "https://toc.example")
        assert allowed["access-control-allow-origin"] == "https://toc.example"
        assert "Idempotency-Key" in allowed["access-control-allow-headers"]
        assert "access-control-allow-origin" not in preflight(http, "https://evil.example")


def test_writes_are_rate_limited_per_token(
    settings: ServerSettings, make_token: Callable[..., str]
) -> None:
    app = create_app(
        # One token back every 50 s: a slow, loaded machine cannot refill the bucket mid-test.
        settings.model_copy(update={"rate_limit_per_second": 0.02, "rate_limit_burst": 3})
    )
    with TestClient(app) as http:
        fast = VtocClient("http://testserver", make_token(Role.operator), http=http)
        for i in range(3):
            fast.operations.create(name=f"Burst {i}")
        refused = http.post(
            "/api/v1/operations",
            json={"name": "One too many"},
            headers={"Authorization": f"Bearer {make_token(Role.operator)}"},
        )
        assert refused.status_code == 201  # another token has its own budget
        fourth = fast.http.post("/api/v1/operations", json={"name": "Burst 3"})
        assert fourth.status_code == 429
        assert fourth.headers["content-type"] == "application/problem+json"
        assert 1 <= int(fourth.headers["Retry-After"]) <= 50
        assert fast.http.get("/api/v1/operations").status_code == 200  # reads are not limited
        names = {op.name for op in fast.operations.iterate()}
        assert "Burst 3" not in names and len(names) == 4


def test_default_limits_do_not_get_in_the_way(operator: VtocClient) -> None:
    for i in range(150):
        operator.operations.create(name=f"Busy {i}")


@pytest.mark.parametrize("depth", [65, 1000, 200_000])
def test_deeply_nested_json_is_refused_and_the_server_carries_on(
    operator: VtocClient, depth: int
) -> None:
    response = operator.http.post(
        "/api/v1/assets",
        content=nested(depth),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert "nested deeper than 64" in response.json()["detail"]
    assert operator.assets.list().items == []
    assert operator.assets.create(name="Still here").name == "Still here"


def test_brackets_inside_strings_are_not_nesting(operator: VtocClient) -> None:
    tricky = {"name": "Brackets", "attributes": {"note": "[{" * 500 + '\\"[', "n": {"m": [1]}}}
    created = operator.assets.create(tricky)
    assert created.attributes["note"].startswith("[{[{")


def test_oversized_json_is_refused(operator: VtocClient) -> None:
    big = json.dumps({"name": "Big", "attributes": {"blob": "x" * (2 * 1024 * 1024)}})
    response = operator.http.post(
        "/api/v1/assets", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert operator.assets.list().items == []


json_values = st.recursive(
    st.none() | st.integers() | st.text(alphabet='[]{}"\\ab', max_size=6),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4), children, max_size=3)
    ),
    max_leaves=30,
)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=json_values, limit=st.integers(min_value=0, max_value=6))
def test_depth_scanner_agrees_with_the_json_parser(value: object, limit: int) -> None:
    body = json.dumps(value).encode()
    assert json_depth_exceeds(body, limit) == (depth_of(value) > limit)


# The scanner as it was: JSON strings removed by a regex, escapes included.
JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
# Bytes made of what string scanning turns on: quotes, runs of backslashes, brackets, NUL.
scanner_bytes = st.lists(
    st.sampled_from([b'"', b"\\", b"[", b"]", b"{", b"}", b"a", b"\0", b'\\"', b'"a"']),
    max_size=40,
).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(body=st.one_of(scanner_bytes, st.binary(max_size=60)))
@example(body=b'"[""[')  # the last quote opens no string
@example(body=b'a\\"[" ]')  # an escaped quote outside a string: not JSON
@example(body=b'"\\\\"[')  # an escaped backslash ends the string
def test_brackets_outside_strings_are_those_the_string_regex_leaves(body: bytes) -> None:
    assert outside_strings(body) == JSON_STRING.sub(b"", body).translate(None, NOT_BRACKETS)


def test_slow_request_gets_a_504_not_a_hang() -> None:
    async def slow(_: Request) -> JSONResponse:
        await asyncio.sleep(5)
        return JSONResponse({})

    app = RequestTimeout(Starlette(routes=[Route("/slow", slow)]), seconds=0.2)
    with TestClient(app) as http:  # type: ignore[arg-type]
        response = http.get("/slow")
    assert response.status_code == 504
    assert response.json()["title"] == "Timeout"


async def timed(app: RequestTimeout, delays: list[float]) -> list[Any]:
    """Requests sleeping ``delays`` seconds each, at once, through ``app``: each one's status,
    or the exception that ended it."""

    async def request(delay: float) -> Any:
        sent: list[Any] = []

        async def receive() -> Any:
            return {"type": "http.request", "body": b""}

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": f"/{delay}", "headers": []}
        try:
            await app(scope, receive, send)
        except Exception as exc:  # what ended it is the result
            return type(exc)
        return sent[0]["status"]

    return await asyncio.gather(*(request(delay) for delay in delays))


def test_one_timer_bounds_many_requests_each_at_its_deadline() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        delay = float(scope["path"][1:])
        if delay < 0:  # answers, then takes its time over the rest of the body
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await asyncio.sleep(-delay)
        else:
            await asyncio.sleep(delay)
            await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    # the quick ones end ~2 s before the bound, the slow ones would end long after it: a
    # stalled (busy) machine moves both sides alike
    bounded = RequestTimeout(app, seconds=2)
    results = asyncio.run(timed(bounded, [0, 0.05, 30, 0.1, 60, -30, 0]))
    assert results == [200, 200, 504, 200, 504, TimeoutError, 200]
    assert not bounded.deadlines.due and not bounded.deadlines.expired
    # a later loop (another TestClient) starts a table of its own
    assert asyncio.run(timed(bounded, [0, 30])) == [200, 504]


def test_a_cancellation_from_elsewhere_is_not_a_timeout() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(5)

    bounded = RequestTimeout(app, seconds=30)

    async def cancelled() -> None:
        request = asyncio.ensure_future(timed(bounded, [5]))
        await asyncio.sleep(0.05)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request

    asyncio.run(cancelled())
    assert not bounded.deadlines.due and not bounded.deadlines.expired


def test_tokens_are_hashed_at_rest(admin: VtocClient, engine: Engine) -> None:
    created = admin.create_token(TokenCreate(name="at-rest", role=Role.viewer))
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_tokens WHERE name = 'at-rest'")).mappings().one()
    stored = " ".join(str(v) for v in row.values())
    assert created.token not in stored
    assert created.token[len("vtoc_") :] not in stored
    assert row["token_hash"] == hashlib.sha256(created.token.encode()).hexdigest()


def test_revoked_token_stops_at_once(
    admin: VtocClient, client_for: Callable[..., VtocClient]
) -> None:
    created = admin.create_token(TokenCreate(name="soon-gone", role=Role.operator))
    holder = client_for(token=created.token)
    holder.operations.create(name="Before revoke")
    admin.revoke_token(created.id)
    with pytest.raises(AuthError, match="revoked"):
        holder.operations.list()
    with pytest.raises(AuthError):
        holder.operations.create(name="After revoke")


def test_fuzz_findings_are_client_errors_not_500s(operator: VtocClient) -> None:
    """Inputs schemathesis found that used to crash the server with a 500."""
    http = operator.http
    assert http.get("/api/v1/operations/%C2%B9").status_code == 404  # "¹".isdigit()
    assert http.delete("/api/v1/intel/" + "9" * 30).status_code in (403, 404)
    assert http.get("/api/v1/agents/" + "9" * 30).status_code == 404
    too_big = http.post("/api/v1/missions", json={"name": "M", "operation_id": 2**70})
    assert too_big.status_code == 422
    assert [e["field"] for e in too_big.json()["errors"]] == ["operation_id"]
    beat = http.post("/api/v1/assets", json={"name": "A", "heartbeat_seconds": 2**70})
    assert beat.status_code == 422
    assert [e["field"] for e in beat.json()["errors"]] == ["heartbeat_seconds"]
    lone = http.post(
        "/api/v1/assets",
        content=b'{"name": "\\udaa7 sensor"}',
        headers={"Content-Type": "application/json"},
    )
    assert lone.status_code == 400 and "surrogate" in lone.json()["detail"]
    paired = http.post(
        "/api/v1/assets",
        content=b'{"name": "\\ud83d\\ude00 sensor"}',
        headers={"Content-Type": "application/json"},
    )
    assert paired.status_code == 201 and paired.json()["name"] == "\U0001f600 sensor"
    assert operator.assets.list().items[0].name == "\U0001f600 sensor"


def test_nan_and_infinity_are_refused_alike_on_both_databases(operator: VtocClient) -> None:
    """JSON has no NaN: PostgreSQL refused it, SQLite stored null in its place."""
    http = operator.http
    for number in (b"NaN", b"Infinity", b"-Infinity", b"1e400"):
        answer = http.post(
            "/api/v1/intel",
            content=b'{"title": "odd", "raw": {"score": ' + number + b"}}",
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 422, (number, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == ["raw"]
    assert operator.intel.list(q="odd").items == []
