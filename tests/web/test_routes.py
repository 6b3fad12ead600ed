"""Traefik's routes, for real: the API behind /api, the SPA everywhere else, with headers."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
import yaml

from vtoc.schemas import Role
from vtoc.web import routes
from vtoc.web.stack import WebStack


def test_committed_deploy_files_match_the_route_rules() -> None:
    for path, text in routes.deploy_files().items():
        assert path.read_text() == text, f"{path} is stale: run `python -m vtoc.web.routes`"
    static = yaml.safe_load((routes.DEPLOY_DIR / "traefik.yml").read_text())
    assert static["global"] == {"checkNewVersion": False, "sendAnonymousUsage": False}
    assert "accessLog" in static


def test_compose_labels_carry_the_same_rules() -> None:
    labels = routes.compose_labels("vtoc-api", 8000)
    assert labels["traefik.http.routers.vtoc-api.rule"] == "PathPrefix(`/api`)"
    assert labels["traefik.http.services.vtoc-api.loadbalancer.server.port"] == "8000"
    assert labels["traefik.http.routers.vtoc-api.middlewares"] == (
        "vtoc-security-headers,vtoc-compress"
    )
    web = routes.compose_labels("vtoc-web", 8080)
    assert web["traefik.http.routers.vtoc-web.rule"] == "PathPrefix(`/`)"
    assert not any("vtoc-api" in key for key in web)
    middlewares = routes.middleware_labels()
    headers = "traefik.http.middlewares.vtoc-security-headers.headers"
    assert middlewares[f"{headers}.frameDeny"] == "true"
    assert middlewares[f"{headers}.contentSecurityPolicy"] == routes.CONTENT_SECURITY_POLICY
    assert middlewares[f"{headers}.customResponseHeaders.Server"] == ""
    assert (
        middlewares["traefik.http.middlewares.vtoc-compress.compress.excludedContentTypes"]
        == "text/event-stream"
    )


@pytest.mark.e2e
def test_api_and_spa_through_traefik(stack: WebStack, make_token: Callable[..., str]) -> None:
    token = make_token(Role.operator, name="route-check")
    with httpx.Client(base_url=stack.url, headers={"Accept-Encoding": "gzip"}) as http:
        who = http.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        assert who.status_code == 200
        assert who.json() == {"name": "route-check", "role": "operator"}
        assert http.get("/api/v1/operations").status_code == 401

        deep = http.get("/anything/deep")
        assert deep.status_code == 200
        assert '<div id="root">' in deep.text
        assert deep.headers["cache-control"] == "no-cache"
        for answer in (who, deep):
            assert answer.headers["x-frame-options"] == "DENY"
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["referrer-policy"] == "no-referrer"
            assert "default-src 'self'" in answer.headers["content-security-policy"]
        # Traefik and the static server send the same policy: the browser gets it once.
        assert deep.headers.get_list("content-security-policy") == [routes.CONTENT_SECURITY_POLICY]
        # A dotfile is never the SPA's fallback, and never a file.
        assert http.get("/.env").status_code == 404

        # The Assets page's deep link is the SPA too, not a missing bundle.
        assets_page = http.get("/assets/3")
        assert assets_page.status_code == 200
        assert '<div id="root">' in assets_page.text

        bundle = re.search(r'src="(/static/[^"]+\.js)"', deep.text)
        assert bundle, deep.text
        script = http.get(bundle.group(1))
        assert script.status_code == 200
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert script.headers["content-encoding"] == "gzip"
        # A missing bundle is a 404, never index.html served as JavaScript.
        assert http.get("/static/missing-0000.js").status_code == 404

    log = stack.access_log.read_text()
    assert '"GET /anything/deep HTTP/1.1" 200' in log
    assert "vtoc-api@file" in log and "vtoc-web@file" in log
