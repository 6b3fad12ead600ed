"""Traefik's routes for vTOC, written once: the deploy files and local runs come from here.

``deploy/traefik/dynamic/vtoc.yml`` is :func:`dynamic_config` with the compose service
addresses (a test keeps the committed file equal to it); ``vtoc up --web`` and the end-to-end
tests render the same rules with the ports they actually use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ENTRYPOINT = "web"
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "traefik"

# The browser may load only what this origin serves; the SPA sets inline style attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)

MIDDLEWARES: dict[str, dict[str, Any]] = {
    "vtoc-security-headers": {
        "headers": {
            "frameDeny": True,
            "contentTypeNosniff": True,
            "browserXssFilter": True,
            "referrerPolicy": "no-referrer",
            "contentSecurityPolicy": CONTENT_SECURITY_POLICY,
            "permissionsPolicy": "camera=(), microphone=(), geolocation=()",
            "customResponseHeaders": {"X-Powered-By": "", "Server": ""},
        }
    },
    # Event streams must reach the browser as they happen, never buffered for compression.
    "vtoc-compress": {"compress": {"excludedContentTypes": ["text/event-stream"]}},
}


@dataclass(frozen=True)
class Route:
    """One Traefik router: which requests (``rule``) go to which backend (``service``)."""

    name: str
    rule: str
    service: str
    priority: int


ROUTES = (
    Route(name="vtoc-api", rule="PathPrefix(`/api`)", service="vtoc-api", priority=20),
    Route(name="vtoc-web", rule="PathPrefix(`/`)", service="vtoc-web", priority=10),
)

# Where the services live in the compose deployment (service name and port).
DEPLOY_BACKENDS = {"vtoc-api": "http://server:8000", "vtoc-web": "http://web:8080"}


def dynamic_config(backends: dict[str, str]) -> dict[str, Any]:
    """The file provider's configuration: routers, middlewares, and one server per service."""
    routers = {
        route.name: {
            "rule": route.rule,
            "entryPoints": [ENTRYPOINT],
            "service": route.service,
            "priority": route.priority,
            "middlewares": list(MIDDLEWARES),
        }
        for route in ROUTES
    }
    services = {
        route.service: {"loadBalancer": {"servers": [{"url": backends[route.service]}]}}
        for route in ROUTES
    }
    return {"http": {"routers": routers, "middlewares": MIDDLEWARES, "services": services}}


def _flatten(prefix: str, value: Any) -> dict[str, str]:
    """Traefik's label form of a config tree: dotted keys, lists comma-joined, bools lowered."""
    if isinstance(value, dict):
        return {
            k: v for key, sub in value.items() for k, v in _flatten(f"{prefix}.{key}", sub).items()
        }
    if isinstance(value, list):
        return {prefix: ",".join(value)}
    return {prefix: str(value).lower() if isinstance(value, bool) else str(value)}


def middleware_labels() -> dict[str, str]:
    """The middlewares as Docker labels (put them on any one container, e.g. Traefik's)."""
    return _flatten("traefik.http.middlewares", MIDDLEWARES)


def compose_labels(service: str, port: int) -> dict[str, str]:
    """The Docker labels that give a compose service the same routes as the file provider.

    ``service`` is a route's service (``vtoc-api`` or ``vtoc-web``); ``port`` the container's.
    The middlewares they name are those of :func:`middleware_labels`.
    """
    labels = {"traefik.enable": "true"}
    for route in (r for r in ROUTES if r.service == service):
        prefix = f"traefik.http.routers.{route.name}"
        labels |= {
            f"{prefix}.rule": route.rule,
            f"{prefix}.entrypoints": ENTRYPOINT,
            f"{prefix}.priority": str(route.priority),
            f"{prefix}.service": route.service,
            f"{prefix}.middlewares": ",".join(MIDDLEWARES),
        }
    labels[f"traefik.http.services.{service}.loadbalancer.server.port"] = str(port)
    return labels


#: Traefik closes a backend connection idle this long (its default, 90 s, outlived the
#: server's keep-alive, so the server closed connections Traefik was about to reuse: 502s).
#: Keep it below the server's ``VTOC_KEEP_ALIVE_SECONDS`` (75).
BACKEND_IDLE_SECONDS = 60


def static_config(
    *, port: int, dynamic_dir: Path, access_log: Path | None = None
) -> dict[str, Any]:
    """Traefik's static configuration: one entrypoint, the file provider, access logs, and
    backend connections that Traefik closes before the server would."""
    return {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": {ENTRYPOINT: {"address": f":{port}"}},
        "serversTransport": {"forwardingTimeouts": {"idleConnTimeout": f"{BACKEND_IDLE_SECONDS}s"}},
        "providers": {"file": {"directory": str(dynamic_dir), "watch": True}},
        "accessLog": {"filePath": str(access_log)} if access_log else {},
        "log": {"level": "WARN"},
    }


def render(config: dict[str, Any]) -> str:
    header = "# Generated by `python -m vtoc.web.routes` from vtoc/web/routes.py; do not edit.\n"
    return header + yaml.safe_dump(config, sort_keys=False)


def deploy_files() -> dict[Path, str]:
    """The committed deploy files, as they must read."""
    return {
        DEPLOY_DIR / "traefik.yml": render(
            static_config(port=80, dynamic_dir=Path("/etc/traefik/dynamic"))
        ),
        DEPLOY_DIR / "dynamic" / "vtoc.yml": render(dynamic_config(DEPLOY_BACKENDS)),
    }


def main() -> None:
    """Rewrite the deploy files from the rules above."""
    for path, text in deploy_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


if __name__ == "__main__":
    main()
