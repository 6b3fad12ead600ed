"""Bad input gets a precise problem+json answer and changes nothing."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, update

from vtoc import schemas as s
from vtoc.client import (
    AuthError,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ValidationFailed,
    VtocClient,
)
from vtoc.server.models import ApiToken


def raw(client: VtocClient) -> httpx.Client:
    return client.http


def test_unknown_field_and_bad_enum_are_named(operator: VtocClient) -> None:
    response = raw(operator).post(
        "/api/v1/operations", json={"name": "X", "status": "bogus", "colour": "red"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = s.Problem.model_validate(response.json())
    assert {e.field for e in problem.errors} == {"status", "colour"}
    assert operator.operations.list().items == []


def test_bad_query_parameter_is_named(viewer: VtocClient) -> None:
    with pytest.raises(ValidationFailed) as err:
        viewer.intel.list(severity=["loud"])
    assert err.value.errors[0].field == "severity.0"
    with pytest.raises(ValidationFailed) as err:
        viewer.operations.list(limit=100000)
    assert err.value.errors[0].field == "limit"
    with pytest.raises(ValidationFailed) as err:
        viewer.operations.list(cursor="garbage")
    assert err.value.errors[0].field == "cursor"


def test_a_cursor_beyond_64_bits_is_refused_like_any_foreign_cursor(viewer: VtocClient) -> None:
    """SQLite cannot even compare with such an id; no page of ours ends there."""
    huge = base64.urlsafe_b64encode(f"id:{2**70}".encode()).decode().rstrip("=")
    agent = viewer.agents.get("monitor")
    for path in [
        "/api/v1/operations",
        "/api/v1/missions",
        "/api/v1/intel",
        "/api/v1/correlations",
        f"/api/v1/agents/{agent.id}/runs",
    ]:
        response = raw(viewer).get(path, params={"cursor": huge})
        assert response.status_code == 422, path
        assert [e.field for e in s.Problem.model_validate(response.json()).errors] == ["cursor"]


def test_nul_characters_are_refused_by_field(operator: VtocClient) -> None:
    """PostgreSQL cannot store NUL: it is a 422 naming the field on both databases."""
    http = raw(operator)
    created = http.post("/api/v1/operations", json={"name": "Bad\u0000name"})
    assert created.status_code == 422
    assert [e.field for e in s.Problem.model_validate(created.json()).errors] == ["name"]
    listed = http.get("/api/v1/assets", params={"q": "ab\x00c"})
    assert listed.status_code == 422
    assert [e.field for e in s.Problem.model_validate(listed.json()).errors] == ["q"]
    nested = http.post(
        "/api/v1/assets", json={"name": "Ok", "kind": "sensor", "attributes": {"k": "v\u0000"}}
    )
    assert nested.status_code == 422
    assert operator.operations.list().items == []


def test_ids_beyond_64_bits_are_refused_by_field(viewer: VtocClient) -> None:
    huge = str(2**70)
    for path, field in [
        (f"/api/v1/correlations/{huge}", "correlation_id"),
        (f"/api/v1/intel/{huge}/correlated", "report_id"),
    ]:
        response = raw(viewer).get(path)
        assert response.status_code == 422, path
        assert [e.field for e in s.Problem.model_validate(response.json()).errors] == [field]


def test_dates_beyond_the_calendar_in_utc_are_refused_by_field(operator: VtocClient) -> None:
    """The database stores UTC: a date that leaves years 1-9999 there is a 422, not a 500."""
    http = raw(operator)
    early, late = "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"
    op = operator.operations.create(name="Dated")
    requests = [
        ("POST", "/api/v1/operations", {"name": "x", "start_at": early}, "start_at"),
        ("POST", "/api/v1/operations", {"name": "x", "end_at": late}, "end_at"),
        ("PATCH", f"/api/v1/operations/{op.id}", {"start_at": late}, "start_at"),
        (
            "POST",
            "/api/v1/missions",
            {"operation_id": op.id, "name": "m", "due_at": late},
            "due_at",
        ),
        ("POST", "/api/v1/intel", {"title": "t", "observed_at": early}, "observed_at"),
        ("GET", f"/api/v1/intel?since={early.replace('+', '%2B')}", None, "since"),
        ("GET", f"/api/v1/intel?until={late}", None, "until"),
    ]
    for method, path, body, field in requests:
        response = http.request(method, path, json=body)
        assert response.status_code == 422, (path, body)
        problem = s.Problem.model_validate(response.json())
        assert [e.field for e in problem.errors] == [field], (path, body)
    assert [o.name for o in operator.operations.list().items] == ["Dated"]
    assert operator.operations.get(op.id).start_at is None


def test_patch_cannot_null_a_required_field(operator: VtocClient) -> None:
    op = operator.operations.create(name="Keep my status")
    with pytest.raises(ValidationFailed) as err:
        operator.operations.update(op.id, status=None)
    assert err.value.errors[0].field == "status"
    assert operator.operations.get(op.id).status == s.OperationStatus.planned


def test_not_found(viewer: VtocClient) -> None:
    with pytest.raises(NotFound, match="no operation 'OP-9999'"):
        viewer.operations.get("OP-9999")
    with pytest.raises(NotFound):
        viewer.assets.get(12345)


def test_a_reference_with_nul_is_not_found(admin: VtocClient) -> None:
    """No code or name can hold NUL, so no row answers to one (PostgreSQL cannot compare it)."""
    http = raw(admin)
    answers = {
        f"{method} {path}": http.request(method, path, json=body).status_code
        for method, path, body in [
            ("GET", "/api/v1/operations/a%00b", None),
            ("PATCH", "/api/v1/operations/a%00b", {"name": "X"}),
            ("DELETE", "/api/v1/operations/a%00b", None),
            ("GET", "/api/v1/assets/a%00b", None),
            ("PATCH", "/api/v1/assets/a%00b", {"name": "X"}),
            ("DELETE", "/api/v1/assets/a%00b", None),
            ("POST", "/api/v1/assets/a%00b/heartbeat", {}),
            ("GET", "/api/v1/agents/a%00b", None),
            ("PATCH", "/api/v1/agents/a%00b", {"enabled": False}),
            ("POST", "/api/v1/agents/a%00b/trigger", None),
            ("GET", "/api/v1/agents/a%00b/runs", None),
            ("DELETE", "/api/v1/tokens/a%00b", None),
            ("GET", "/api/v1/missions/a%00b", None),
            ("GET", "/api/v1/intel/a%00b", None),
            ("GET", "/api/v1/tasks/a%00b", None),
        ]
    }
    assert answers == dict.fromkeys(answers, 404)


def test_numbers_past_pythons_digit_limit_are_refused_not_crashed_on(admin: VtocClient) -> None:
    """4,301+ digits used to reach ``int()`` and answer 500 (and cut the connection)."""
    http, digits = raw(admin), "7" * 5000
    op = admin.operations.create(name="Long Numbers")
    for method, path in [
        ("GET", f"/api/v1/operations/{digits}"),
        ("DELETE", f"/api/v1/assets/{digits}"),
        ("GET", f"/api/v1/agents/{digits}"),
        ("DELETE", f"/api/v1/tokens/{digits}"),
        ("GET", f"/api/v1/intel/{digits}"),
    ]:
        assert http.request(method, path).status_code == 404, path
    for header, method, path, body in [
        ("If-Match", "PATCH", f"/api/v1/operations/{op.id}", {"name": "X"}),
        ("Last-Event-ID", "GET", "/api/v1/events/stream", None),
    ]:
        answer = http.request(method, path, json=body, headers={header: digits})
        assert answer.status_code == 422, header
        assert [e.field for e in s.Problem.model_validate(answer.json()).errors] == [header]
    assert admin.operations.get(op.id).name == "Long Numbers"


def test_a_value_of_another_json_kind_is_refused_by_field(operator: VtocClient) -> None:
    """``true`` is no number and a number no text or time, as the schema says; pydantic alone
    stored ``"operation_id": true`` as operation 1 and ``"lon": false`` as 0.0."""
    op = operator.operations.create(name="Kinds")
    hawk = operator.assets.create(name="Hawk-Kinds")
    at = "2026-12-01T10:00:00Z"
    before = operator.events.list(limit=200).items
    for method, path, body, field in [
        ("POST", "/api/v1/missions", {"operation_id": True, "name": "M"}, "operation_id"),
        ("POST", "/api/v1/intel", {"title": "T", "operation_id": True}, "operation_id"),
        ("POST", f"/api/v1/assets/{hawk.id}/heartbeat", {"lat": 1.5, "lon": False}, "lon"),
        ("POST", "/api/v1/operations", {"name": 12}, "name"),
        ("POST", "/api/v1/operations", {"name": "O", "starts_at": 1_700_000_000}, "starts_at"),
        ("POST", "/api/v1/tasks", {"action": "run_agent", "max_attempts": True}, "max_attempts"),
        ("POST", "/api/v1/journal", {"text": "x", "occurred_at": 1_700_000_000}, "occurred_at"),
        (
            "POST",
            "/api/v1/journal",
            {"text": "x", "refs": [{"entity": "intel", "id": True}]},
            "refs",
        ),
        (
            "POST",
            "/api/v1/missions",
            {"operation_id": op.id, "name": "M", "asset_ids": [True]},
            "asset_ids",
        ),
        ("PATCH", f"/api/v1/operations/{op.id}", {"priority": 1}, "priority"),
        ("PATCH", "/api/v1/agents/executor", {"interval_seconds": True}, "interval_seconds"),
        ("PATCH", "/api/v1/agents/executor", {"config": {"batch": True}}, "config.batch"),
    ]:
        answer = raw(operator).request(method, path, json=body)
        assert answer.status_code == 422, (path, body, answer.text)
        assert [e.field for e in s.Problem.model_validate(answer.json()).errors] == [field], body
    assert operator.events.list(limit=200).items == before
    fixes = [
        {"asset": hawk.id, "at": at, "lat": 1.5, "lon": False},
        {"asset": hawk.id, "at": 1_700_000_000, "lat": 1.5, "lon": 2.5},
        {"asset": hawk.id, "at": at, "lat": 1, "lon": 2},
    ]
    result = raw(operator).post("/api/v1/positions", json=fixes).json()
    assert [(r["index"], r["error"].split(":")[0]) for r in result["rejected"]] == [
        (0, "lon"),
        (1, "at"),
    ]
    assert result["stored"] == 1  # a whole number is a number
    # query strings are text: numbers in them still parse
    assert raw(operator).get("/api/v1/missions", params={"operation_id": op.id}).status_code == 200
    assert raw(operator).get("/api/v1/intel", params={"limit": "5"}).status_code == 200


def test_duplicates_conflict(operator: VtocClient) -> None:
    operator.assets.create(name="Ranger-1")
    with pytest.raises(Conflict, match="name"):
        operator.assets.create(name="Ranger-1")
    operator.intel.create(title="A", source="osint", source_ref="feed-1")
    with pytest.raises(Conflict, match="source_ref"):
        operator.intel.create(title="B", source="osint", source_ref="feed-1")
    operator.operations.create(name="Coded", code="OP-0100")
    with pytest.raises(Conflict, match="code"):
        operator.operations.create(name="Same code", code="OP-0100")


def test_stale_version_is_refused(operator: VtocClient) -> None:
    op = operator.operations.create(name="Contested")
    operator.operations.update(op.id, name="First edit", version=op.version)
    with pytest.raises(PreconditionFailed, match="version 2"):
        operator.operations.update(op.id, name="Second edit", version=op.version)
    assert operator.operations.get(op.id).name == "First edit"
    bad = raw(operator).patch(
        f"/api/v1/operations/{op.id}", json={"name": "Z"}, headers={"If-Match": "banana"}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "If-Match"


def test_body_too_large(operator: VtocClient) -> None:
    with pytest.raises(PayloadTooLarge):
        operator.intel.create(title="Huge", body="x" * (2 * 1024 * 1024))
    chunked = raw(operator).post(
        "/api/v1/intel",
        content=(b"x" * 65536 for _ in range(40)),
        headers={"Content-Type": "application/json"},
    )
    assert chunked.status_code == 413
    assert operator.intel.list().items == []


def test_malformed_json_body_says_where(operator: VtocClient) -> None:
    # A trailing comma, as hand-written JSON has: the answer names the body and the place,
    # not a "field" called after the offset.
    for body, at in ((b"{not json", 1), (b'{"name": "X",}', 13)):
        response = raw(operator).post(
            "/api/v1/operations", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422
        problem = s.Problem.model_validate(response.json())
        assert problem.title == "Validation failed"
        assert [e.field for e in problem.errors] == ["body"]
        assert problem.errors[0].message.startswith(f"not valid JSON at character {at}: ")
    assert operator.operations.list().items == []


def test_auth_failures(client_for: Callable[..., VtocClient], admin: VtocClient) -> None:
    anonymous = client_for(None)
    with pytest.raises(AuthError, match="missing bearer token"):
        anonymous.operations.list()
    with pytest.raises(AuthError, match="unknown token"):
        client_for(None, token="vtoc_not-a-real-token").operations.list()
    created = admin.create_token(s.TokenCreate(name="short-lived", role="viewer"))
    holder = client_for(None, token=created.token)
    assert holder.operations.list().items == []
    admin.revoke_token("short-lived")
    with pytest.raises(AuthError, match="revoked"):
        holder.operations.list()
    viewer = client_for(s.Role.viewer)
    with pytest.raises(Forbidden, match="operator"):
        viewer.operations.create(name="Not allowed")


def test_expired_token(
    client_for: Callable[..., VtocClient], admin: VtocClient, engine: Engine
) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    created = admin.create_token(s.TokenCreate(name="old", role="viewer", expires_at=soon))
    with engine.begin() as conn:  # an hour later (creating an expired token is refused)
        past = datetime(2020, 1, 1, tzinfo=UTC)
        conn.execute(update(ApiToken).where(ApiToken.name == "old").values(expires_at=past))
    with pytest.raises(AuthError, match="expired"):
        client_for(None, token=created.token).whoami()
