"""Contexts are stored 0600, listed with masked tokens, and chosen by flag or variable."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

from tests.cli.conftest import Process, Run, ok
from tests.processes import free_port


def test_contexts_add_use_list_current(
    vtoc: Run, server_url: str, admin_token: str, config_home: Path
) -> None:
    stored_env = {"VTOC_API_URL": None, "VTOC_TOKEN": None}
    down = f"http://127.0.0.1:{free_port()}"
    ok(vtoc("context", "add", "lab", "--url", server_url, "--token", admin_token, env=stored_env))
    ok(vtoc("context", "add", "far", "--url", down, "--no-use", env=stored_env))

    path = config_home / "vtoc" / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = tomllib.loads(path.read_text())
    assert saved["current"] == "lab" and saved["contexts"]["lab"]["token"] == admin_token

    listed = json.loads(ok(vtoc("context", "list", "--json", env=stored_env)))
    assert [(c["name"], c["current"]) for c in listed] == [("far", False), ("lab", True)]
    table = ok(vtoc("context", "list", env=stored_env))
    assert admin_token not in table and admin_token[:9] in table

    me = json.loads(ok(vtoc("whoami", "--json", env=stored_env)))
    assert (me["name"], me["role"], me["server"]) == ("cli-admin", "admin", server_url)
    assert ok(vtoc("whoami", env=stored_env)).strip() == f"cli-admin (admin) on {server_url}"

    far = vtoc("--context", "far", "ops", "list", env=stored_env)
    assert far.exit_code == 1 and down in far.stderr
    ok(vtoc("context", "use", "far", env=stored_env))
    current = json.loads(ok(vtoc("context", "current", "--json", env=stored_env)))
    assert (current["name"], current["api_url"]) == ("far", down)
    ok(vtoc("--context", "lab", "ops", "list", env=stored_env))

    overridden = json.loads(ok(vtoc("context", "current", "--json", env={"VTOC_TOKEN": None})))
    assert overridden["api_url"] == server_url, "VTOC_API_URL beats the stored context"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_unknown_context_is_a_usage_error(vtoc: Run) -> None:
    assert vtoc("context", "use", "nowhere").exit_code == 2
    result = vtoc("--context", "nowhere", "ops", "list")
    assert result.exit_code == 2 and "nowhere" in result.stderr


def test_a_context_needs_a_name_and_a_server_url(vtoc: Run) -> None:
    nameless = vtoc("context", "add", " ", "--url", "http://127.0.0.1:8000")
    assert nameless.exit_code == 2 and "needs a name" in nameless.stderr
    bad = vtoc("context", "add", "prod", "--url", "not a url")
    assert bad.exit_code == 2 and "api_url: not an http(s) URL" in bad.stderr
    assert "prod" not in vtoc("context", "list").stdout


def test_adding_a_context_keeps_the_current_one_unless_told(
    cli: Process, server_url: str, config_home: Path
) -> None:
    stored_env = {"VTOC_API_URL": None, "VTOC_TOKEN": None}
    first = cli("context", "add", "lab", "--url", server_url, env=stored_env)
    assert first.returncode == 0 and "now current" in first.stderr  # the first one is
    second = cli("context", "add", "prod", "--url", "https://vtoc.example.org", env=stored_env)
    assert second.returncode == 0 and "current is still 'lab'" in second.stderr
    path = config_home / "vtoc" / "config.toml"
    assert tomllib.loads(path.read_text())["current"] == "lab"
    cli("context", "add", "prod", "--url", "https://vtoc.example.org", "--use", env=stored_env)
    assert tomllib.loads(path.read_text())["current"] == "prod"


def test_a_context_can_be_removed(cli: Process, server_url: str, config_home: Path) -> None:
    stored_env = {"VTOC_API_URL": None, "VTOC_TOKEN": None}
    cli("context", "add", "lab", "--url", server_url, "--token", "vtoc_secret", env=stored_env)
    cli("context", "add", "old", "--url", "https://old.example.org", env=stored_env)
    removed = cli("context", "remove", "old", env=stored_env)
    assert removed.returncode == 0, removed.stderr
    saved = tomllib.loads((config_home / "vtoc" / "config.toml").read_text())
    assert list(saved["contexts"]) == ["lab"] and saved["current"] == "lab"
    current = cli("context", "remove", "lab", env=stored_env)
    assert current.returncode == 0
    saved = tomllib.loads((config_home / "vtoc" / "config.toml").read_text())
    assert saved.get("contexts") == {} and "current" not in saved
    missing = cli("context", "remove", "lab", env=stored_env)
    assert missing.returncode == 2 and "no context named 'lab'" in missing.stderr


def complete(cli: Process, words: str, env: dict[str, str | None] | None = None) -> list[str]:
    """What bash's tab completion offers after ``words`` (the last word is being typed)."""
    cword = str(len(words.split()) - (0 if words.endswith(" ") else 1))
    done = cli(
        env={
            "_VTOC_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": cword,
            **(env or {}),
        }
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_tab_completes_contexts_and_the_names_of_rows(cli: Process, vtoc: Run) -> None:
    stored_env = {"VTOC_API_URL": None, "VTOC_TOKEN": None}
    for name in ("lab", "lima", "prod"):
        cli("context", "add", name, "--url", "https://vtoc.example.org", env=stored_env)
    assert complete(cli, "vtoc context use l") == ["lab", "lima"]
    assert complete(cli, "vtoc --context p") == ["prod"]
    op = json.loads(ok(vtoc("ops", "create", "--name", "Silver Bridge", "--json")))
    ok(vtoc("assets", "create", "--name", "Hawk-02"))
    ok(vtoc("assets", "create", "--name", "Heron-01"))
    assert complete(cli, "vtoc assets show H") == ["Hawk-02", "Heron-01"]
    assert complete(cli, "vtoc assets heartbeat Ha") == ["Hawk-02"]
    assert complete(cli, "vtoc ops show OP") == [op["code"]]
    assert complete(cli, "vtoc ops delete Silver") == ["Silver Bridge"]
    down = {"VTOC_API_URL": "http://127.0.0.1:9"}
    assert complete(cli, "vtoc assets show H", env=down) == []  # quiet, not an error
