"""Serve the built SPA (``web/dist``): deep links fall back to index.html, hashed assets
are cached for a year. Traefik has no fallback of its own, so this server provides it.
It also guards itself rather than trusting Traefik to: names no file can have are refused,
dotfiles are never served, and every answer carries the security headers.

Run: ``python -m vtoc.web.static --port 8080 [--dist web/dist]``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vtoc.web.routes import CONTENT_SECURITY_POLICY

# Vite puts a content hash in every file name under static/ (its `build.assetsDir`, moved
# off the default assets/ which is the SPA's Assets route): a new build is a new name.
HASHED = "static/"
IMMUTABLE = "public, max-age=31536000, immutable"
# index.html names the current hashes, so browsers must check it on every load.
REVALIDATE = "no-cache"
# The same policy Traefik adds, sent by this server too so a direct hit is just as safe.
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
]
# Linux's NAME_MAX and PATH_MAX: longer can name no file, and no SPA route is that long.
LONGEST_NAME = 255
LONGEST_PATH = 4096


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every answer, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def check_name(rel: str) -> None:
    """Refuse what no file in dist may be called, before the file system sees it.

    A NUL is 400: it is no name at all, the request is malformed. A dot segment (``.env``,
    ``..``) or one longer than any file name is 404: such a file is not served, or cannot exist.
    """
    if "\0" in rel:
        raise HTTPException(400, "a path may not contain a NUL byte")
    if len(rel.encode()) > LONGEST_PATH:
        raise HTTPException(404)
    for segment in rel.split("/"):
        if segment.startswith(".") or len(segment.encode()) > LONGEST_NAME:
            raise HTTPException(404)


def default_dist() -> Path:
    """``VTOC_WEB_DIST``, else the ``web/dist`` of the source checkout vtoc runs from."""
    env = os.environ.get("VTOC_WEB_DIST")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "web" / "dist"


def create_static_app(dist: Path) -> Starlette:
    root = dist.resolve()
    index = root / "index.html"
    if not index.is_file():
        raise FileNotFoundError(f"{index} is missing: build the SPA with `make web`")

    def serve(request: Request) -> Response:
        rel = request.path_params["path"]
        check_name(rel)
        target = (root / rel).resolve()
        inside = target.is_relative_to(root)
        if inside and rel and target.is_file():
            cache = IMMUTABLE if rel.startswith(HASHED) else REVALIDATE
            return FileResponse(target, headers={"Cache-Control": cache})
        if rel.startswith(HASHED) or not inside:
            # A missing bundle must fail loudly, not come back as HTML.
            raise HTTPException(404)
        return FileResponse(index, headers={"Cache-Control": REVALIDATE})

    app = Starlette(routes=[Route("/{path:path}", serve, methods=["GET", "HEAD"])])
    app.add_middleware(SecurityHeaders)
    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--dist", type=Path, default=default_dist())
    args = parser.parse_args(argv)
    app = create_static_app(args.dist)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
