"""A production-shaped `vtoc server run`: several workers, JSON logs, aggregated metrics."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.processes import mint_token, run_vtoc, server_process, vtoc_env

pytestmark = pytest.mark.e2e


def test_sqlite_with_several_workers_is_refused_in_one_line(tmp_path: Path) -> None:
    env = vtoc_env(f"sqlite:///{tmp_path / 'one.db'}", tmp_path)
    done = run_vtoc("server", "run", "--workers", "2", env=env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: SQLite cannot serve 2 workers safely; "
        "use --workers 1 or set VTOC_DATABASE_URL to PostgreSQL"
    ]


def test_a_weak_metrics_token_is_refused(tmp_path: Path) -> None:
    env = vtoc_env(f"sqlite:///{tmp_path / 'one.db'}", tmp_path, VTOC_METRICS_TOKEN="short")
    done = run_vtoc("server", "run", env=env)
    assert done.returncode == 1
    assert "VTOC_METRICS_TOKEN is too short" in done.stderr
    assert "Traceback" not in done.stderr


def test_two_workers_log_json_without_secrets_and_share_metrics(
    postgresql_database_url: str, tmp_path: Path
) -> None:
    password = "hunter2-db-secret"
    scheme, rest = postgresql_database_url.split("://postgres@", 1)
    url = f"{scheme}://postgres:{password}@{rest}"  # trust auth: accepted, and must not leak
    scraper = "scrape-token-0123456789abcdef"
    env = vtoc_env(url, tmp_path, VTOC_METRICS_TOKEN=scraper)
    log = tmp_path / "server.log"
    with server_process(env, "--workers", "2", log=log) as base:
        token = mint_token(env, "e2e-admin")
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=auth) as http:
            for i in range(20):
                got = http.get("/api/v1/operations", headers={"X-Request-ID": f"e2e-{i}"})
                assert got.status_code == 200
                assert got.headers["X-Request-ID"] == f"e2e-{i}"
            http.get("/api/v1/operations", params={"token": token})
            totals = []
            for _ in range(4):  # each scrape may land on either worker: all see the sum
                text = httpx.get(
                    f"{base}/metrics", headers={"Authorization": f"Bearer {scraper}"}
                ).text
                totals.append(
                    sum(
                        float(line.rsplit(" ", 1)[1])
                        for line in text.splitlines()
                        if line.startswith("vtoc_http_requests_total{")
                        and 'route="/api/v1/operations"' in line
                        and 'status="200"' in line
                    )
                )
            assert min(totals) >= 20, totals
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "vtoc.access"]
    assert {f"e2e-{i}" for i in range(20)} <= {line["request_id"] for line in access}
    assert {line["actor"] for line in access if line["request_id"].startswith("e2e-")} == {
        "e2e-admin"
    }
    everything = log.read_text()
    for secret in (token, password, scraper):
        assert secret not in everything
