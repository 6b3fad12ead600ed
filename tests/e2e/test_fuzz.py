"""Schemathesis over the live OpenAPI of a real `vtoc server run`, as an admin.

Every operation, a bounded number of examples (``VTOC_FUZZ_EXAMPLES``, default 8; `make fuzz`
raises it): no 5xx, and every answer matches the documented status, content type and schema.
The event stream is left out: it never ends, so a request/response fuzzer can only wait for
its timeout; its own tests cover it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.processes import mint_token, server_process, vtoc_env

pytestmark = pytest.mark.e2e

CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def test_schemathesis_finds_no_server_errors(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    examples = os.environ.get("VTOC_FUZZ_EXAMPLES", "8")
    env = vtoc_env(database_url, tmp_path)
    with server_process(env, log=tmp_path / "server.log") as url:
        token = mint_token(env, "fuzzer")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{url}/api/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                "--max-examples",
                examples,
                "--phases",
                "examples,coverage,fuzzing,stateful",
                # One worker: CPython 3.11's ast.parse is not thread-safe, and hypothesis
                # parses lambdas while schemathesis builds strategies ("AST constructor
                # recursion depth mismatch").
                "--workers",
                "1",
                "--seed",
                os.environ.get("VTOC_FUZZ_SEED", "20261124"),
                "--exclude-path",
                "/api/v1/events/stream",
                "--request-timeout",
                "20",
            ],
            capture_output=True,
            text=True,
            timeout=1800,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"},
            cwd=tmp_path,  # schemathesis keeps a cache in its working directory
        )
    summary = done.stdout[-6000:]
    assert done.returncode == 0, summary
    assert "Authentication failed" not in done.stdout, summary
