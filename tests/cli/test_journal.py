"""``vtoc log`` against a real server process, as an operator at the console uses it."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from tests.cli.conftest import VTOC, Run, ok
from vtoc import schemas as s
from vtoc.client import VtocClient
from vtoc.schemas import Role


def test_an_entry_filed_by_the_cli_reaches_another_clients_stream(
    vtoc: Run, server_url: str, make_token: Callable[..., str]
) -> None:
    seen: queue.Queue[s.Event] = queue.Queue()
    watcher = VtocClient(server_url, make_token(Role.viewer))

    def watch() -> None:
        for event in watcher.stream_events(after=0, kinds=["journal."]):
            seen.put(event)

    threading.Thread(target=watch, daemon=True).start()
    filed = json.loads(ok(vtoc("log", "add", "Hawk-02 checks in", "--kind", "contact", "--json")))
    event = seen.get(timeout=30)  # how fast is the bench's to say, not a busy machine's
    assert (event.kind, event.entity_id) == ("journal.created", filed["id"])
    assert event.data["text"] == "Hawk-02 checks in"


def test_add_from_stdin_back_dated_with_refs_then_list_and_correct(vtoc: Run) -> None:
    op = json.loads(ok(vtoc("ops", "create", "--name", "Northern Watch", "--json")))
    report = json.loads(ok(vtoc("intel", "create", "--title", "Beacon", "--json")))
    text = "## Contact\nHawk-02 at grid 31U\n"
    entry = json.loads(
        ok(
            vtoc(
                "log", "add", "-", "--op", op["code"], "--at", "-10m",
                "--ref", f"intel:{report['id']}", "--json",
                input=text,
            )
        )
    )  # fmt: skip
    assert entry["text"] == text.rstrip("\n")
    assert entry["operation_id"] == op["id"]
    assert entry["refs"] == [{"entity": "intel", "id": report["id"]}]
    listed = json.loads(ok(vtoc("log", "list", "--op", op["code"], "-o", "json")))
    assert [e["id"] for e in listed] == [entry["id"]]
    fix = json.loads(
        ok(vtoc("log", "correct", str(entry["id"]), "grid 32U", "--reason", "misread", "--json"))
    )
    assert fix["corrects"] == entry["id"]
    shown = json.loads(ok(vtoc("log", "list", "-o", "json")))
    assert {e["id"]: e["corrected_by"] for e in shown} == {fix["id"]: None, entry["id"]: fix["id"]}


def test_bad_input_is_one_line_and_a_failing_exit(vtoc: Run) -> None:
    for args, code, words in [
        (("log", "add", "x", "--at", "25:00Z"), 2, "--at"),
        (("log", "add", "x", "--ref", "intel"), 2, "--ref"),
        (("log", "add", "x", "--ref", "intel:999"), 2, "refs.0.id"),
        (("log", "add", "x", "--at", "2999-01-01T00:00:00Z"), 2, "occurred_at"),
        (("log", "correct", "999", "x", "--reason", "r"), 1, "999"),
    ]:
        result = vtoc(*args)
        assert result.exit_code == code, result.output
        assert words in result.output
        assert "Traceback" not in result.output
    assert json.loads(ok(vtoc("log", "list", "-o", "json"))) == []


def test_ops_timeline_as_a_table_json_and_an_after_action_document(vtoc: Run) -> None:
    op = json.loads(ok(vtoc("ops", "create", "--name", "Northern Watch", "--json")))
    ok(vtoc("log", "add", "Relay established", "--op", op["code"], "--at", "-1m"))
    items = json.loads(ok(vtoc("ops", "timeline", op["code"], "-o", "json")))
    assert [i["kind"] for i in items] == ["note", "operation.created"]  # back-dated first
    document = ok(vtoc("ops", "timeline", op["code"], "-o", "md"))
    assert document.startswith(f"# {op['code']} Northern Watch: timeline")
    assert "> Relay established" in document
    rows = ok(vtoc("ops", "timeline", op["code"], "-o", "csv", "--type", "entry")).splitlines()
    assert len(rows) == 2 and rows[1].endswith("Relay established")
    assert vtoc("ops", "timeline", "OP-9999").exit_code == 1


def test_ack_reports_once(vtoc: Run) -> None:
    report = json.loads(ok(vtoc("intel", "create", "--title", "Beacon", "--json")))
    acks = json.loads(ok(vtoc("ack", str(report["id"]), "-o", "json")))
    again = json.loads(ok(vtoc("ack", str(report["id"]), "-o", "json")))
    assert acks == again and acks[0]["report_id"] == report["id"]
    missing = vtoc("ack", "999")
    assert missing.exit_code == 1 and "999" in missing.output


def test_watch_and_handover_from_the_terminal(vtoc: Run, make_token: Callable[..., str]) -> None:
    report = json.loads(
        ok(vtoc("intel", "create", "--title", "Beacon", "--severity", "critical", "--json"))
    )
    now = json.loads(ok(vtoc("watch", "-o", "json")))
    assert [r["id"] for r in now["unacknowledged"]] == [report["id"]]
    assert "\tcritical\tBeacon\t" in ok(vtoc("watch"))
    handed = json.loads(ok(vtoc("handover", "-", "--json", input="Beacon still open\n")))
    assert handed["open_items"]["intel"] == [report["id"]]
    night = {"VTOC_TOKEN": make_token(Role.operator, "night")}
    taken = json.loads(ok(vtoc("handover", "--accept", str(handed["id"]), "--json", env=night)))
    assert taken["accepted_by"] == "night"
    refused = vtoc("handover", "--accept", str(handed["id"]))  # the outgoing admin
    assert refused.exit_code == 1 and "yours" in refused.output


def test_log_list_follow_prints_the_entries_filed_after_it(
    vtoc: Run, server_url: str, admin_token: str, config_home: Path
) -> None:
    op = json.loads(ok(vtoc("ops", "create", "--name", "Harbor", "--json")))
    ok(vtoc("log", "add", "Listed first", "--op", op["code"]))
    env = {
        **os.environ,
        "VTOC_API_URL": server_url,
        "VTOC_TOKEN": admin_token,
        "XDG_CONFIG_HOME": str(config_home),
    }
    args = ["log", "list", "--op", op["code"], "--kind", "contact", "--follow", "-o", "json"]
    proc = subprocess.Popen([VTOC, *args], env=env, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True
    ).start()
    try:
        assert json.loads(lines.get(timeout=30)) == []  # the listing: no contacts yet
        ok(vtoc("log", "add", "Another operation's", "--kind", "contact"))
        ok(vtoc("log", "add", "Not a contact", "--op", op["code"]))
        ok(vtoc("log", "add", "Hawk-02 checks in", "--op", op["code"], "--kind", "contact"))
        entry = json.loads(lines.get(timeout=30))
        assert (entry["text"], entry["kind"]) == ("Hawk-02 checks in", "contact")
    finally:
        proc.terminate()
        proc.wait(10)
