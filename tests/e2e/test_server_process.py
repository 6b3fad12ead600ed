"""A newcomer's path: mint a token, run the server, create an operation over plain HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.processes import mint_token, run_vtoc, server_process, vtoc_env

pytestmark = pytest.mark.e2e


def test_newcomer_creates_an_operation_with_curl(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    env = vtoc_env(database_url, tmp_path)
    token = mint_token(env, "newcomer")
    assert token.startswith("vtoc_")
    with server_process(env) as url:
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{url}/api/v1/operations").status_code == 401
        headers = {"Authorization": f"Bearer {token}"}
        created = httpx.post(
            f"{url}/api/v1/operations", json={"name": "Northern Watch"}, headers=headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["code"] == "OP-0001"
        listed = httpx.get(f"{url}/api/v1/operations", headers=headers).json()
        assert [o["name"] for o in listed["items"]] == ["Northern Watch"]
        docs = httpx.get(f"{url}/api/openapi.json").json()
        assert "/api/v1/operations" in docs["paths"]


def test_demo_seed_fills_a_fresh_database(tmp_path: Path) -> None:
    env = vtoc_env(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path)
    done = run_vtoc("demo", "seed", "--reports", "120", env=env)
    assert done.returncode == 0, done.stderr
    assert "120 intel reports" in done.stdout
    again = run_vtoc("demo", "seed", "--reports", "10", env=env)  # adds to what is there
    assert again.returncode == 0, again.stderr
    token = mint_token(env, "demo-admin")
    with server_process(env, "--no-migrate") as url:
        client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})
        ops = client.get("/api/v1/operations").json()["items"]
        assert len(ops) == 8
        shared = client.get("/api/v1/intel", params={"indicator": "203.0.113.7"}).json()
        assert len(shared["items"]) >= 2


def test_version_and_token_errors(tmp_path: Path) -> None:
    env = vtoc_env(f"sqlite:///{tmp_path / 'v.db'}", tmp_path)
    version = run_vtoc("--version", env=env)
    assert version.returncode == 0 and version.stdout.startswith("vtoc ")
    mint_token(env, "twice")
    again = run_vtoc("server", "token", "create", "--name", "twice", env=env)
    assert again.returncode == 1
    assert again.stderr.strip() == "error: name: a token named 'twice' exists"
    assert "Traceback" not in again.stderr
    bad_role = run_vtoc("server", "token", "create", "--name", "x", "--role", "god", env=env)
    assert bad_role.returncode == 2


def test_an_idle_kept_alive_connection_outlives_the_clients_idle_time(tmp_path: Path) -> None:
    # httpx drops an idle connection after 5 s, Traefik (as deployed) after 60 s; the server
    # must not close first, or it closes connections clients are reusing (a ReadError, a
    # 502). This client keeps its own for two minutes and is idle for six seconds.
    env = vtoc_env(f"sqlite:///{tmp_path / 'k.db'}", tmp_path)
    with (
        server_process(env, "--no-migrate") as url,
        httpx.Client(base_url=url, limits=httpx.Limits(keepalive_expiry=120)) as client,
    ):

        def local_port() -> int:
            response = client.get("/healthz")
            assert response.status_code == 200
            stream = response.extensions["network_stream"]
            return int(stream.get_extra_info("client_addr")[1])

        first = local_port()
        time.sleep(6)
        assert local_port() == first, "the server closed the idle connection"
