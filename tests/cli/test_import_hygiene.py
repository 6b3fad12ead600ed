"""``vtoc --help`` and ``vtoc ops list`` stay light: no server, database or TUI stack.

Like harlequin's import-hygiene test, in a fresh interpreter so nothing else imported them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


# What `vtoc --help` may not import: the console script answers it before Typer loads.
NOT_FOR_ROOT_HELP = [
    "typer",
    "click",
    "rich",
    "pydantic",
    "pydantic_settings",
    "httpx",
    "yaml",
    "vtoc.schemas",
    "vtoc.config",
    "vtoc.client",
]

IMPORTED = """
import json, runpy, sys
sys.argv = ["vtoc", *sys.argv[1:]]
try:
    {CALL}
except SystemExit:
    pass
loaded = sorted(name for name, module in sys.modules.items() if module is not None)
sys.stderr.write("\\nMODULES " + json.dumps(loaded) + "\\n")
"""


def imported(call: str, *args: str, columns: int = 100) -> set[str]:
    """Every module a fresh interpreter holds after running ``call`` as ``vtoc ARGS``."""
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": str(columns), "VTOC_API_URL": "http://127.0.0.1:9"}
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED.replace("{CALL}", call), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    return set(json.loads(result.stderr.rsplit("MODULES ", 1)[-1]))


def present(modules: set[str], names: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_root_help_loads_neither_typer_nor_models() -> None:
    modules = imported("runpy.run_module('vtoc', run_name='__main__')", "--help")
    assert "vtoc.cli.root_help" in modules, "the probe ran the console script's fast path"
    assert present(modules, NOT_FOR_ROOT_HELP) == []


def test_root_help_rendered_by_typer_loads_no_models_or_rich() -> None:
    """`vtoc --context x --help` and narrow terminals go through Typer: still light."""
    for args, columns in [(["--context", "x", "--help"], 100), (["--help"], 60)]:
        modules = imported("runpy.run_module('vtoc', run_name='__main__')", *args, columns=columns)
        assert "typer" in modules, "the probe went through Typer"
        assert present(modules, NOT_FOR_ROOT_HELP[2:]) == []


def test_a_json_list_loads_neither_rich_nor_httpx_own_cli() -> None:
    """Scripts pay for what they use: JSON output needs no tables, httpx's CLI is never run."""
    modules = imported("runpy.run_module('vtoc', run_name='__main__')", "ops", "list", "--json")
    assert "vtoc.client" in modules, "the probe got as far as the request"
    assert present(modules, ["rich", "pygments", "httpx._main"]) == []


def test_a_group_loads_only_its_own_module() -> None:
    modules = imported("runpy.run_module('vtoc', run_name='__main__')", "ops", "--help")
    assert "vtoc.cli.ops" in modules
    others = [f"vtoc.cli.{name}" for name in ["agents", "missions", "sitrep", "server", "up"]]
    assert present(modules, others) == []


def test_the_stored_root_help_is_what_typer_renders() -> None:
    """vtoc/cli/root_help.py is generated: `make cli-help` after changing root commands."""
    from vtoc.cli.main import render_root_help
    from vtoc.cli.root_help import TEXT

    assert render_root_help() == TEXT, "run `make cli-help`"
    vtoc = str(Path(sys.executable).with_name("vtoc"))
    wide = {**os.environ, "COLUMNS": "100"}
    for args in [["--help"], ["--context", "x", "--help"]]:  # stored, then rendered by Typer
        piped = subprocess.run([vtoc, *args], capture_output=True, text=True, check=True, env=wide)
        assert piped.stdout == TEXT
    bare = subprocess.run([vtoc], capture_output=True, text=True, env=wide)
    assert (bare.returncode, bare.stdout) == (2, TEXT), "bare `vtoc` prints help, exits 2"
    narrow = subprocess.run(
        [vtoc, "--help"], capture_output=True, text=True, check=True, env={"COLUMNS": "60"}
    )
    assert narrow.stdout != TEXT and max(map(len, narrow.stdout.splitlines())) <= 60
    assert all(f"  {name} " in narrow.stdout for name in ["up", "ops", "whoami", "ingest"])


def test_the_root_table_says_what_each_command_says() -> None:
    from vtoc.cli.main import COMMANDS, load

    for name, entry in COMMANDS.items():
        first_paragraph = load(name).help.split("\n\n")[0]
        assert " ".join(first_paragraph.split()) == entry.help, name


def test_shell_completion_sees_the_lazy_commands() -> None:
    vtoc = str(Path(sys.executable).with_name("vtoc"))

    def complete(words: str) -> list[str]:
        env = {**os.environ, "_VTOC_COMPLETE": "complete_bash", "COMP_WORDS": words}
        env["COMP_CWORD"] = str(len(words.split()) - 1)
        done = subprocess.run([vtoc], capture_output=True, text=True, env=env, check=True)
        return done.stdout.split()

    assert complete("vtoc mi") == ["missions"]
    assert "list" in complete("vtoc ops li")
    script = subprocess.run(
        [vtoc, "--show-completion", "bash"], capture_output=True, text=True, check=True
    )
    assert "_VTOC_COMPLETE" in script.stdout


def test_the_tui_leaves_numpy_to_the_map() -> None:
    """Every SSH session is a TUI process of its own, started from what ``vtoc.cli.warm``
    imports: numpy (20 MB of it) and the map that draws with it wait until the map opens."""
    no_session = "import os; r, w = os.pipe(); os.close(w); sys.argv[1:] = [str(r)]; "
    modules = imported(no_session + "runpy.run_module('vtoc.cli.warm', run_name='__main__')")
    assert "vtoc.tui.screens.dashboard" in modules, "the probe imported the TUI"
    assert present(modules, ["numpy", "vtoc.tui.screens.map"]) == []
