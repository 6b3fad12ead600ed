"""The SPA's static server on its own, as a real process: what it refuses and what every
answer carries, whether or not Traefik stands in front of it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vtoc.children import die_with_parent, free_port, stop
from vtoc.web.routes import CONTENT_SECURITY_POLICY
from vtoc.web.stack import wait_until


@pytest.fixture
def static_url(tmp_path: Path) -> Iterator[str]:
    """``python -m vtoc.web.static`` serving a small dist that holds a dotfile."""
    dist = tmp_path / "dist"
    (dist / "static").mkdir(parents=True)
    (dist / "index.html").write_text('<div id="root"></div>')
    (dist / "static" / "app-1234.js").write_text("console.log(1)")
    (dist / ".env").write_text("SECRET=leaked")
    (dist / ".well-known").mkdir()
    (dist / ".well-known" / "x").write_text("hidden")
    port = free_port()
    args = [sys.executable, "-m", "vtoc.web.static", "--port", str(port), "--dist", str(dist)]
    proc = subprocess.Popen(args, preexec_fn=die_with_parent())
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(f"{url}/", 200, {"the static server": proc})
        yield url
    finally:
        stop([proc])


def test_names_no_file_can_have_are_client_errors(static_url: str) -> None:
    with httpx.Client(base_url=static_url) as http:
        assert http.get("/%00").status_code == 400
        assert http.get("/static/a%00b.js").status_code == 400
        assert http.get("/" + "a" * 5000).status_code == 404
        assert http.get("/static/" + "b" * 300 + ".js").status_code == 404
        assert http.get("/" + "/".join(["c" * 200] * 25)).status_code == 404


def test_dotfiles_are_never_served(static_url: str) -> None:
    with httpx.Client(base_url=static_url) as http:
        for path in ("/.env", "/.well-known/x", "/static/.env", "/deep/.hidden"):
            answer = http.get(path)
            assert answer.status_code == 404, path
            assert "leaked" not in answer.text and "hidden" not in answer.text


def test_every_answer_carries_the_security_headers(static_url: str) -> None:
    with httpx.Client(base_url=static_url) as http:
        answers = [
            http.get("/"),
            http.get("/ops/deep/link"),
            http.get("/static/app-1234.js"),
            http.get("/static/missing.js"),
            http.get("/.env"),
            http.get("/%00"),
            http.head("/"),
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 404, 404, 400, 200]
    for answer in answers:
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
