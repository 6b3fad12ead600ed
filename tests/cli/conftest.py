"""The CLI under test talks HTTP to a real `vtoc server run` on the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from vtoc.cli.main import app
from vtoc.schemas import Role

VTOC = str(Path(sys.executable).with_name("vtoc"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(database_url: str, log: Path) -> Iterator[str]:
    """A real ``vtoc server run`` on a free port; yields its URL once it is ready."""
    port = free_port()
    env = {**os.environ, "VTOC_DATABASE_URL": database_url}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [VTOC, "server", "run", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail(f"server exited: {log.read_text()}")
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail(f"server did not start: {log.read_text()}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def server_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server process per database for the session (tests empty the database)."""
    with running_server(database_url, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


Run = Callable[..., Result]


@pytest.fixture
def config_home(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def base_env(server_url: str, config_home: Path) -> dict[str, str | None]:
    """No stored context, no inherited VTOC_* variables: each test sets what it needs."""
    return {
        "XDG_CONFIG_HOME": str(config_home),
        "VTOC_API_URL": server_url,
        "VTOC_TOKEN": None,
        "VTOC_CONTEXT": None,
        "VTOC_DEBUG": None,
    }


@pytest.fixture
def admin_token(make_token: Callable[..., str]) -> str:
    return make_token(Role.admin, "cli-admin")


@pytest.fixture
def vtoc(base_env: dict[str, str | None], admin_token: str) -> Run:
    """Run ``vtoc ARGS`` in-process as an admin; ``env`` overrides, ``input`` is stdin."""

    def run(
        *args: str, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Result:
        full = {**base_env, "VTOC_TOKEN": admin_token, **(env or {})}
        result = CliRunner().invoke(app, list(args), input=input, env=full)
        assert "Traceback" not in result.output, result.output
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return run


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout
