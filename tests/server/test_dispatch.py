"""The hot paths (``/healthz``, the list and show reads) reach their handler without the
router's walk (``vtoc.server.dispatch``), and answer exactly as through the router: the same
status, headers and body for a row, a missing one, a 304, a bad query, a missing or wrong
token, ``HEAD`` and a method the path does not take."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from vtoc.client import VtocClient
from vtoc.server.dispatch import HotRoutes

RESOURCES = ("operations", "missions", "assets", "intel", "tasks")
#: what differs from one answer to the next whichever path it took
VARYING = {"x-request-id", "date"}


def hot_routes(app: FastAPI) -> HotRoutes:
    hot = app.router.middleware_stack
    assert isinstance(hot, HotRoutes)
    return hot


def test_the_hot_paths_are_the_solved_routes(app: FastAPI) -> None:
    table = hot_routes(app).table
    expected = {
        ("GET", "/healthz"),
        ("GET", "/api/v1/operations/{ref}/timeline"),
        ("GET", "/api/v1/dashboard"),
    } | {
        ("GET", path)
        for name in RESOURCES
        for path in (f"/api/v1/{name}", f"/api/v1/{name}/{{ref}}")
    }
    assert set(table) == expected


@pytest.fixture
def routed(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths that went to the router, whichever way they were dispatched."""
    hot = hot_routes(app)
    paths: list[str] = []
    inner = hot.routed

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        paths.append(scope["path"])
        await inner(scope, receive, send)

    monkeypatch.setattr(hot, "routed", counting)
    yield paths


def answer(http: httpx.Client, method: str, url: str, **options: Any) -> tuple[Any, ...]:
    got = http.request(method, url, **options)
    headers = sorted((k, v) for k, v in got.headers.items() if k not in VARYING)
    return got.status_code, headers, got.content


def test_hot_answers_are_the_routers(
    app: FastAPI,
    operator_on_either_read_path: VtocClient,
    client_for: Any,
    routed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = operator_on_either_read_path
    op = client.operations.create(name="Dispatched")
    report = client.intel.create(title="Dispatched report", operation_id=op.id)
    http = client.http
    anonymous = {"Authorization": ""}
    wrong = {"Authorization": "Bearer vtoc_not-a-token-at-all"}
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/healthz", {}),
        ("HEAD", "/healthz", {}),
        ("POST", "/healthz", {}),
        ("GET", f"/api/v1/intel/{report.id}", {}),
        ("HEAD", f"/api/v1/intel/{report.id}", {}),
        ("GET", f"/api/v1/intel/{report.id}", {"headers": {"If-None-Match": '"1"'}}),
        ("GET", f"/api/v1/intel/{report.id}", {"headers": {"If-None-Match": '"9"'}}),
        ("GET", "/api/v1/intel/987654321", {}),
        ("GET", "/api/v1/intel/not-a-ref", {}),
        ("GET", f"/api/v1/operations/{op.code}", {}),
        ("GET", "/api/v1/operations/NOPE-404", {}),
        ("GET", "/api/v1/intel?limit=2", {}),
        ("GET", "/api/v1/intel?limit=nope", {}),
        ("GET", "/api/v1/intel?bogus=1", {}),
        ("GET", f"/api/v1/intel/{report.id}", {"headers": anonymous}),
        ("GET", "/api/v1/intel", {"headers": wrong}),
        ("HEAD", f"/api/v1/intel/{report.id}", {"headers": anonymous}),
        ("PUT", f"/api/v1/intel/{report.id}", {}),
        ("PUT", "/api/v1/intel", {}),
        ("GET", "/api/v1/tasks/claim", {}),
        ("GET", "/api/v1/dashboard", {"headers": anonymous}),
        ("POST", "/api/v1/dashboard", {}),
        ("GET", f"/api/v1/intel/{report.id}/delete-impact", {}),
        ("GET", "/api/v1/no-such-thing", {}),
    ]
    hot = [answer(http, method, url, **options) for method, url, options in requests]
    went_hot = {url for method, url, _ in requests} - set(routed)
    assert "/healthz" in went_hot
    assert f"/api/v1/intel/{report.id}" in went_hot
    assert "/api/v1/intel" in {u.partition("?")[0] for u in went_hot}

    monkeypatch.setattr(hot_routes(app), "table", {})  # every request through the router
    routed.clear()
    through_router = [answer(http, method, url, **options) for method, url, options in requests]
    assert routed, "the router answered"
    for request, mine, theirs in zip(requests, hot, through_router, strict=True):
        assert mine == theirs, request
    statuses = [status for status, _, _ in hot]
    assert statuses[:8] == [200, 200, 405, 200, 200, 304, 200, 404]
    assert {401, 405, 422} <= set(statuses)


def test_the_scope_is_the_routers(
    app: FastAPI, admin: VtocClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the router leaves in a matched request's scope, for whatever reads it (tracing)."""
    hot = hot_routes(app)
    seen: list[dict[str, Any]] = []
    dispatch = hot.__call__

    async def keeping(scope: Any, receive: Any, send: Any) -> None:
        await dispatch(scope, receive, send)
        seen.append({k: scope.get(k) for k in ("router", "route", "endpoint", "path_params")})

    monkeypatch.setattr(app.router, "middleware_stack", keeping)
    op = admin.operations.create(name="Scoped")
    urls = ["/healthz", f"/api/v1/operations/{op.id}", "/api/v1/operations?limit=1"]
    for url in urls:
        admin.http.get(url)
    mine = seen[-3:]
    monkeypatch.setattr(hot, "table", {})
    for url in urls:
        admin.http.get(url)
    assert mine == seen[-3:]
    assert mine[1]["path_params"] == {"ref": str(op.id)}
