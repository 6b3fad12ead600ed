"""Tokens, agents and the event log, including a live ``events tail --follow``."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import VTOC, Run, ok, running_server
from vtoc import schemas as s
from vtoc.client import VtocClient


def test_tokens_create_list_revoke(vtoc: Run) -> None:
    created = vtoc("tokens", "create", "--name", "n8n", "--role", "operator")
    secret = ok(created).strip().splitlines()[-1]
    assert secret.startswith("vtoc_") and "n8n" in created.stderr
    me = json.loads(ok(vtoc("whoami", "--json", env={"VTOC_TOKEN": secret})))
    assert (me["name"], me["role"]) == ("n8n", "operator")
    listed = json.loads(ok(vtoc("tokens", "list", "--json")))
    assert {t["name"] for t in listed} == {"cli-admin", "n8n"}
    assert all("token" not in t for t in listed), "secrets are never listed"
    ok(vtoc("tokens", "revoke", "n8n", "--yes"))
    assert vtoc("whoami", env={"VTOC_TOKEN": secret}).exit_code == 4


def test_agents_list_update_trigger_runs(vtoc: Run) -> None:
    agents = json.loads(ok(vtoc("agents", "list", "--json")))
    assert {a["name"] for a in agents} == {"monitor", "analyzer", "executor"}
    tuned = json.loads(
        ok(vtoc("agents", "update", "monitor", "--interval", "120", "--disable", "--json"))
    )
    assert (tuned["interval_seconds"], tuned["enabled"]) == (120, False)
    shown = json.loads(ok(vtoc("agents", "show", "monitor", "--json")))
    assert shown == tuned
    triggered = json.loads(ok(vtoc("agents", "trigger", "analyzer", "--json")))
    assert triggered["next_run_at"] is not None
    assert json.loads(ok(vtoc("agents", "runs", "analyzer", "--json"))) == []
    assert "--worker-id" in ok(vtoc("agents", "run", "--help"))


def test_events_list_after_and_kind(vtoc: Run) -> None:
    ok(vtoc("ops", "create", "--name", "A"))
    ok(vtoc("assets", "create", "--name", "Ranger-01"))
    events = json.loads(ok(vtoc("events", "list", "--json")))
    kinds = [e["kind"] for e in events]
    assert "operation.created" in kinds and "asset.created" in kinds
    assets_only = json.loads(ok(vtoc("events", "list", "--kind", "asset.", "--json")))
    assert [e["kind"] for e in assets_only] == ["asset.created"]
    later = json.loads(ok(vtoc("events", "list", "--after", str(events[0]["id"]), "--json")))
    assert later == events[1:]


def test_events_tail_prints_ndjson(vtoc: Run) -> None:
    for name in ("A", "B", "C"):
        ok(vtoc("ops", "create", "--name", name))
    lines = ok(vtoc("events", "tail", "-n", "2", "--kind", "operation.", "-o", "json")).splitlines()
    names = [json.loads(line)["data"]["name"] for line in lines]
    assert names == ["B", "C"]


def test_events_tail_follow_with_the_console_script(
    vtoc: Run, database_url: str, admin_token: str, config_home: Path, tmp_path: Path
) -> None:
    """The real ``vtoc`` executable streams new events line by line as they happen.

    Its own server: the shared one has streamed ids that the emptied database reuses.
    """
    with running_server(database_url, tmp_path) as server_url:
        follow(
            vtoc,
            {
                "VTOC_API_URL": server_url,
                "VTOC_TOKEN": admin_token,
                "XDG_CONFIG_HOME": str(config_home),
            },
        )


def follow(vtoc: Run, overrides: dict[str, str]) -> None:
    ok(vtoc("ops", "create", "--name", "Before", env=overrides))
    env = {**os.environ, **overrides}
    proc = subprocess.Popen(
        [VTOC, "events", "tail", "--follow", "-n", "1", "--kind", "operation.", "-o", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True
    ).start()
    try:
        assert json.loads(lines.get(timeout=30))["data"]["name"] == "Before"
        ok(vtoc("assets", "create", "--name", "Not an operation", env=overrides))
        ok(vtoc("ops", "create", "--name", "After", env=overrides))
        event = json.loads(lines.get(timeout=30))
        assert (event["kind"], event["data"]["name"]) == ("operation.created", "After")
    finally:
        proc.terminate()
        proc.wait(10)
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


def test_events_tail_follow_misses_nothing_written_before_the_stream_opens(
    vtoc: Run,
    database_url: str,
    admin_token: str,
    config_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing listed (no operation yet), then an operation is created just before the
    stream opens: tail must start from where it listed, not from "now", and print it."""
    real_stream = VtocClient.stream_events

    def late_stream(api: VtocClient, **kw: Any) -> Iterator[s.Event]:
        api.operations.create(name="Raced")
        # Were "Raced" lost, the next operation would come first instead of a hang.
        later = threading.Timer(3, lambda: api.operations.create(name="Later"))
        later.start()
        try:
            yield next(real_stream(api, **kw))
        finally:
            later.join()
        raise KeyboardInterrupt  # what Ctrl-C does to a follower: tail returns quietly

    monkeypatch.setattr(VtocClient, "stream_events", late_stream)
    with running_server(database_url, tmp_path) as server_url:
        env = {"VTOC_API_URL": server_url, "XDG_CONFIG_HOME": str(config_home)}
        ok(vtoc("assets", "create", "--name", "Not an operation", env=env))
        out = ok(vtoc("events", "tail", "-F", "--kind", "operation.", "-o", "json", env=env))
    assert [json.loads(line)["data"]["name"] for line in out.splitlines()] == ["Raced"]


def test_tokens_limited_to_an_operation(vtoc: Run, database_url: str) -> None:
    ok(vtoc("ops", "create", "--name", "Alpha"))
    ok(vtoc("ops", "create", "--name", "Bravo"))
    created = vtoc("tokens", "create", "--name", "liaison", "--operation", "OP-0001")
    secret = ok(created).strip().splitlines()[-1]
    as_liaison = {"VTOC_TOKEN": secret}
    seen = json.loads(ok(vtoc("ops", "list", "-o", "json", env=as_liaison)))
    assert [o["code"] for o in seen] == ["OP-0001"]
    assert vtoc("ops", "show", "OP-0002", env=as_liaison).exit_code != 0

    minted = vtoc(
        "server",
        "token",
        "create",
        "--name",
        "liaison2",
        "--operation",
        "OP-0002",
        env={"VTOC_DATABASE_URL": database_url},
    )
    straight = ok(minted).strip().splitlines()[-1]
    seen = json.loads(ok(vtoc("ops", "list", "-o", "json", env={"VTOC_TOKEN": straight})))
    assert [o["code"] for o in seen] == ["OP-0002"]
    listed = {
        t["name"]: t["operation_ids"] for t in json.loads(ok(vtoc("tokens", "list", "--json")))
    }
    assert listed["cli-admin"] is None and listed["liaison"] == [seen_id(vtoc, "OP-0001")]

    unknown = vtoc("tokens", "create", "--name", "lost", "--operation", "OP-0099")
    assert unknown.exit_code != 0 and "OP-0099" in unknown.stderr
    admin = vtoc(
        "server",
        "token",
        "create",
        "--name",
        "boss",
        "--role",
        "admin",
        "--operation",
        "1",
        env={"VTOC_DATABASE_URL": database_url},
    )
    assert admin.exit_code == 1 and "admin" in admin.stderr


def seen_id(vtoc: Run, code: str) -> int:
    return int(json.loads(ok(vtoc("ops", "show", code, "-o", "json")))["id"])
