"""The server refuses the placeholder secrets of deploy/.env.example."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from tests.deploy.conftest import env_example, run, tool
from vtoc.config import ServerSettings


def example_database_url() -> str:
    """VTOC_DATABASE_URL exactly as compose builds it from an unchanged .env.example."""
    return f"postgresql://vtoc:{env_example()['POSTGRES_PASSWORD']}@postgres:5432/vtoc"


def test_settings_refuse_the_example_database_password() -> None:
    with pytest.raises(ValidationError, match=r"VTOC_DATABASE_URL still holds the CHANGE_ME"):
        ServerSettings(database_url=example_database_url())


def test_settings_refuse_any_placeholder_secret_setting() -> None:
    class WithSecret(ServerSettings):
        ingest_hmac_secret: str = ""

    with pytest.raises(ValidationError, match="VTOC_INGEST_HMAC_SECRET"):
        WithSecret(ingest_hmac_secret=env_example()["VTOC_INGEST_HMAC_SECRET"])
    assert WithSecret(ingest_hmac_secret="4f1c0ffee").ingest_hmac_secret == "4f1c0ffee"


def test_settings_accept_real_passwords_and_passwordless_urls() -> None:
    for url in (
        "postgresql://vtoc:9c2d1e0b7a@postgres:5432/vtoc",
        "postgresql://postgres@127.0.0.1/vtoc",
        "sqlite:///tmp/vtoc.db",
    ):
        assert ServerSettings(database_url=url).database_url == url


@pytest.mark.parametrize("command", [["server", "migrate"], ["server", "run", "--no-migrate"]])
def test_server_commands_exit_with_one_line_error(command: list[str]) -> None:
    env = {**os.environ, "VTOC_DATABASE_URL": example_database_url()}
    result = run(tool("vtoc"), *command, env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: VTOC_DATABASE_URL still holds the CHANGE_ME")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
