"""The processes ``vtoc up`` starts, and the guarantee that it stops them all again.

The server (and the agents worker, once it exists) run as child processes so that the
TUI owns the terminal alone; they are stopped on normal exit, ctrl+c, SIGTERM and crashes,
and the kernel ends them if ``vtoc up`` itself is killed (:mod:`vtoc.children`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO

from vtoc.children import die_with_parent, stop

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class Terminated(Exception):
    """SIGTERM arrived: unwind like ctrl+c so every child is stopped."""


def raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


def listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


class Services:
    """Children started by ``vtoc up``; a context manager that always stops them."""

    def __init__(self, *, port: int, database_url: str, log: Path) -> None:
        self.port = port
        self.env = {**os.environ, "VTOC_DATABASE_URL": database_url}
        # Children write here, never to an inherited stdout/stderr that may be a pipe
        # nobody drains: one full pipe would block the server's every request.
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log: IO[bytes] = log.open("ab")
        self.children: list[subprocess.Popen[bytes]] = []
        #: each child's command (``server``, ``agents``, ``ssh``), for the log
        self.commands: dict[subprocess.Popen[bytes], str] = {}

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, "-m", "vtoc", *args],
            env=env or self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            preexec_fn=die_with_parent(),  # spawned from the main thread, as it must be
        )
        self.children.append(child)
        self.commands[child] = args[0]
        return child

    def start_server(self) -> None:
        server = self.spawn("server", "run", "--port", str(self.port), "--no-migrate")
        self.wait_ready(server)

    def start_agents(self, token: str) -> None:
        self.spawn("agents", "run", env=self.client_env(token))

    def start_ssh(self, token: str, port: int) -> None:
        """``vtoc ssh serve``, with the admin token that mints its sessions' tokens."""
        ssh = self.spawn("ssh", "serve", "--port", str(port), env=self.client_env(token))
        self.wait_until(ssh, lambda: listening(port), "the SSH server")

    def client_env(self, token: str) -> dict[str, str]:
        return {**self.env, "VTOC_API_URL": self.api_url, "VTOC_TOKEN": token}

    def wait_ready(self, server: subprocess.Popen[bytes]) -> None:
        import httpx

        def ready() -> bool:
            with contextlib.suppress(httpx.TransportError):
                return httpx.get(f"{self.api_url}/readyz", timeout=1).status_code == 200
            return False

        self.wait_until(server, ready, "the server")

    def wait_until(
        self, child: subprocess.Popen[bytes], ready: Callable[[], bool], what: str
    ) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise RuntimeError(f"{what} exited with code {child.returncode}")
            if ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{what} did not become ready within {READY_TIMEOUT:.0f} s")

    def wait(self) -> None:
        """Run until a signal arrives or a child dies (then the rest are stopped too)."""
        while all(child.poll() is None for child in self.children):
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop every child, saying in the log what took how long: a stop that drags is
        then the log's to explain (a child that needed SIGKILL, or ``vtoc up``'s own exit)."""
        began = time.monotonic()
        running = [child for child in self.children if child.poll() is None]
        self.note(f"stopping {', '.join(map(self.name, running)) or 'nothing'}")
        killed = stop(self.children, STOP_TIMEOUT)
        for child in killed:
            self.note(f"{self.name(child)} ignored SIGTERM for {STOP_TIMEOUT:.0f} s: killed")
        self.note(f"stopped in {time.monotonic() - began:.1f} s")
        self.log.close()

    def note(self, line: str) -> None:
        self.log.write(f"vtoc up: {line}\n".encode())
        self.log.flush()

    def name(self, child: subprocess.Popen[bytes]) -> str:
        return f"{self.commands[child]} (pid {child.pid})"

    def __enter__(self) -> Services:
        signal.signal(signal.SIGTERM, raise_terminated)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        with contextlib.suppress(KeyboardInterrupt, Terminated):
            self.stop()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        return exc_type is not None and issubclass(exc_type, KeyboardInterrupt | Terminated)
