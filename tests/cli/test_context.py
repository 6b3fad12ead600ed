"""Contexts are stored 0600, listed with masked tokens, and chosen by flag or variable."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

from tests.cli.conftest import Run, ok
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
