"""Every route the app has refuses anonymous callers and callers whose role is too low.

Routes are enumerated from the app itself, so a new route without auth fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI

from vtoc.client import VtocClient
from vtoc.schemas import Role

OPEN = {("GET", "/healthz"), ("GET", "/readyz")}

# The role each route needs beyond the default (GET: viewer, other methods: operator).
NEEDS = {
    ("DELETE", "/api/v1/operations/{ref}"): Role.admin,
    ("DELETE", "/api/v1/intel/{ref}"): Role.admin,
    ("DELETE", "/api/v1/tasks/{ref}"): Role.admin,
    ("GET", "/api/v1/tokens"): Role.admin,
    ("POST", "/api/v1/tokens"): Role.admin,
    ("DELETE", "/api/v1/tokens/{ref}"): Role.admin,
    ("GET", "/api/v1/ssh/keys"): Role.admin,
    ("POST", "/api/v1/ssh/keys"): Role.admin,
    ("DELETE", "/api/v1/ssh/keys/{ref}"): Role.admin,
    ("POST", "/api/v1/ssh/sessions"): Role.admin,
    ("DELETE", "/api/v1/ssh/sessions/{token_id}"): Role.admin,
    ("POST", "/api/v1/events/ticket"): Role.viewer,
    # With VTOC_METRICS_TOKEN unset (here), a scrape needs an admin token.
    ("GET", "/metrics"): Role.admin,
}


def required_role(method: str, path: str) -> Role:
    return NEEDS.get((method, path), Role.viewer if method == "GET" else Role.operator)


def routes(app: FastAPI) -> list[tuple[str, str]]:
    found = [
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    ]
    assert len(found) > 30
    return found


def concrete(path: str) -> str:
    """Fill path parameters with ids that exist nowhere: the check is auth, not effects."""
    return re.sub(r"\{[^}]+\}", "987654", path)


def test_every_route_but_health_declares_bearer_auth(app: FastAPI) -> None:
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if (method.upper(), path) in OPEN:
                continue
            assert operation.get("security"), f"{method.upper()} {path} has no auth"


def test_role_matrix(app: FastAPI, client_for: Callable[..., VtocClient]) -> None:
    callers = {
        None: client_for(None),
        Role.viewer: client_for(Role.viewer),
        Role.operator: client_for(Role.operator),
        Role.admin: client_for(Role.admin),
    }
    for method, path in routes(app):
        url = concrete(path)
        for role, client in callers.items():
            status = client.http.request(method, url, json={}).status_code
            if (method, path) in OPEN:
                assert status == 200, (method, path)
            elif role is None:
                assert status == 401, (method, path, role, status)
            elif role.rank < required_role(method, path).rank:
                assert status == 403, (method, path, role, status)
            else:
                assert status not in (401, 403), (method, path, role, status)


@pytest.mark.parametrize("header", ["Bearer", "Basic dXNlcjpwYXNz", "Bearer vtoc_forged"])
def test_malformed_credentials(client_for: Callable[..., VtocClient], header: str) -> None:
    client = client_for(None)
    response = client.http.get("/api/v1/operations", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
