"""The CLI under test talks HTTP to a real `vtoc server run` on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.processes import server_process, vtoc_env
from vtoc.cli.main import app
from vtoc.schemas import Role

VTOC = str(Path(sys.executable).with_name("vtoc"))


@contextmanager
def running_server(database_url: str, home: Path) -> Iterator[str]:
    """A real ``vtoc server run`` on the database, on a free port."""
    with server_process(vtoc_env(database_url, home)) as url:
        yield url


@pytest.fixture(scope="session")
def server_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server process per database for the session (tests empty the database)."""
    with running_server(database_url, tmp_path_factory.mktemp("server")) as url:
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


Process = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(base_env: dict[str, str | None], admin_token: str) -> Process:
    """Run the real ``vtoc`` console script as an admin; ``env`` overrides (None unsets),
    ``input`` is stdin. What a user's shell runs: the entry point, its exit codes."""

    def run(
        *args: str, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        chosen = {**base_env, "VTOC_TOKEN": admin_token, **(env or {})}
        full = {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}
        full.update({k: v for k, v in chosen.items() if v is not None})
        for key in (k for k, v in chosen.items() if v is None):
            full.pop(key, None)
        done = subprocess.run(
            [VTOC, *args], input=input, env=full, capture_output=True, text=True, timeout=60
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done

    return run
