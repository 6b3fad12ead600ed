"""Serve the built SPA (``web/dist``): deep links fall back to index.html, hashed assets
are cached for a year. Traefik has no fallback of its own, so this server provides it.

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

# Vite puts a content hash in every file name under static/ (its `build.assetsDir`, moved
# off the default assets/ which is the SPA's Assets route): a new build is a new name.
HASHED = "static/"
IMMUTABLE = "public, max-age=31536000, immutable"
# index.html names the current hashes, so browsers must check it on every load.
REVALIDATE = "no-cache"


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
        target = (root / rel).resolve()
        inside = target.is_relative_to(root)
        if inside and rel and target.is_file():
            cache = IMMUTABLE if rel.startswith(HASHED) else REVALIDATE
            return FileResponse(target, headers={"Cache-Control": cache})
        if rel.startswith(HASHED) or not inside:
            # A missing bundle must fail loudly, not come back as HTML.
            raise HTTPException(404)
        return FileResponse(index, headers={"Cache-Control": REVALIDATE})

    return Starlette(routes=[Route("/{path:path}", serve, methods=["GET", "HEAD"])])


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
