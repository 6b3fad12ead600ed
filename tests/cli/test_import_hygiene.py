"""``vtoc --help`` and ``vtoc ops list`` stay light: no server, database or TUI stack.

Like harlequin's import-hygiene test, in a fresh interpreter so nothing else imported them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.processes import free_port

HEAVY = ["fastapi", "sqlalchemy", "uvicorn", "textual", "alembic", "starlette", "vtoc.server"]

PROBE = """
import json, sys
from vtoc.cli.main import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY} or m.startswith("vtoc.server"))
sys.stderr.write("\\nMODULES " + json.dumps(heavy) + "\\n")
"""


def heavy_modules(*args: str, env: dict[str, str] | None = None) -> list[str]:
    code = PROBE.replace("{HEAVY}", repr({m.split(".")[0] for m in HEAVY if m != "vtoc.server"}))
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60
    )
    line = result.stderr.rsplit("MODULES ", 1)[-1]
    modules: list[str] = json.loads(line)
    return modules


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["ops", "list", "-o", "json"],
        ["ops", "--help"],
        ["sitrep", "--help"],
    ],
)
def test_commands_do_not_import_the_server_stack(args: list[str], tmp_path: object) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path),
        "VTOC_API_URL": f"http://127.0.0.1:{free_port()}",
    }
    assert heavy_modules(*args, env=env) == []


def test_the_probe_sees_heavy_imports() -> None:
    """The check can fail: a command that needs the server stack shows up."""
    env = {"PATH": "/usr/bin:/bin", "VTOC_DATABASE_URL": "sqlite://"}
    assert "sqlalchemy" in heavy_modules("demo", "seed", "--reports", "0", env=env)
