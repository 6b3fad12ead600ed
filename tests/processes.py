"""Real `vtoc` processes for end-to-end tests: a server on a free port, CLI runs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from vtoc.children import free_port, stop

VTOC = [sys.executable, "-m", "vtoc"]


def vtoc_env(database_url: str, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}
    env.update(
        VTOC_DATABASE_URL=database_url,
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        **extra,
    )
    return env


def run_vtoc(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VTOC, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def mint_token(env: dict[str, str], name: str, role: str = "admin") -> str:
    done = run_vtoc("server", "token", "create", "--name", name, "--role", role, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    """Until the server answers /readyz; a crash ends the wait at once, the bound only a hang
    (two workers importing on a busy 2-core machine took 26 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"server at {url} not ready after {timeout} s")


def start_server(
    env: dict[str, str], *args: str, port: int | None = None, log: Path | None = None
) -> tuple[str, subprocess.Popen[bytes]]:
    """`vtoc server run` on ``port`` (else a free one), once it is ready: its URL and process.

    With ``log``, the server's output is appended to that file, and quoted when the server
    exits or hangs before it is ready (it is stopped then).
    """
    port = port or free_port()
    with log.open("ab") if log else nullcontext(subprocess.DEVNULL) as sink:
        process = subprocess.Popen(
            [*VTOC, "server", "run", "--port", str(port), *args],
            env=env,
            stdout=sink,
            stderr=sink,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
    except (RuntimeError, TimeoutError) as exc:
        stop([process], timeout=15)
        output = log.read_text(errors="replace")[-4000:] if log else ""
        raise RuntimeError(f"{exc}\n{output}") from None
    return url, process


@contextmanager
def server_process(env: dict[str, str], *args: str, log: Path | None = None) -> Iterator[str]:
    """`vtoc server run` on a free port (see ``start_server``); yields its base URL and stops
    it afterwards."""
    url, process = start_server(env, *args, log=log)
    try:
        yield url
    finally:
        stop([process], timeout=15)


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``check`` until it holds; the bound only ends a hung test, it asserts no speed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class SlowTarget:
    """An HTTP target that takes ``seconds`` to answer: a run long enough to kill a worker or
    cut its database in. ``hits`` are the monotonic times its requests arrived."""

    url: str
    hits: list[float] = field(default_factory=list)


@contextmanager
def slow_target(seconds: float) -> Iterator[SlowTarget]:
    target = SlowTarget("")

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            target.hits.append(time.monotonic())
            time.sleep(seconds)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    target.url = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
