"""Every resource group against a real server: create, show, list, update, delete."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml

from tests.cli.conftest import Process, Run, ok
from tests.ingest.conftest import ndjson, sample_alerts, unique_copies
from vtoc.client import VtocClient


def parse(text: str, fmt: str) -> list[dict[str, str]] | dict[str, object] | list[object]:
    if fmt == "json":
        return json.loads(text)  # type: ignore[no-any-return]
    if fmt == "yaml":
        return yaml.safe_load(text)  # type: ignore[no-any-return]
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    header, *lines = text.splitlines()
    return [dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines]


def test_operations_round_trip_in_every_format(vtoc: Run) -> None:
    created = json.loads(
        ok(vtoc("ops", "create", "--name", "Northern Watch", "--priority", "high", "--json"))
    )
    code = created["code"]
    assert created["priority"] == "high" and created["status"] == "planned"

    as_json = parse(ok(vtoc("ops", "list", "-o", "json")), "json")
    as_yaml = parse(ok(vtoc("ops", "list", "-o", "yaml")), "yaml")
    assert as_json == as_yaml == [created]
    [row] = parse(ok(vtoc("ops", "list", "-o", "csv")), "csv")
    assert (row["CODE"], row["NAME"], row["PRIORITY"]) == (code, "Northern Watch", "high")
    [line] = parse(ok(vtoc("ops", "list")), "table")
    assert line["CODE"] == code
    assert line["UPDATED AT"] == created["updated_at"].replace("Z", "+00:00"), "exact timestamp"

    shown = parse(ok(vtoc("ops", "show", code, "-o", "yaml")), "yaml")
    assert shown == created


def test_create_from_stdin_json_and_yaml_file(vtoc: Run, tmp_path: Path) -> None:
    body = {"name": "Iron Harbor", "status": "active", "commander": "Cpt. Lindqvist"}
    made = json.loads(ok(vtoc("ops", "create", "-f", "-", "--json", input=json.dumps(body))))
    assert {k: made[k] for k in body} == body
    spec = tmp_path / "op.yaml"
    spec.write_text("name: Quiet Meadow\npriority: critical\nstart_at: 2026-01-02T03:04:05Z\n")
    made = json.loads(ok(vtoc("ops", "create", "-f", str(spec), "--priority", "low", "--json")))
    assert made["priority"] == "low", "flags win over the file"
    assert made["start_at"].startswith("2026-01-02T03:04:05")


def test_update_with_if_version(vtoc: Run) -> None:
    op = json.loads(ok(vtoc("ops", "create", "--name", "Silver Bridge", "--json")))
    updated = json.loads(
        ok(vtoc("ops", "update", op["code"], "--status", "active", "--if-version", "1", "--json"))
    )
    assert (updated["status"], updated["version"]) == ("active", 2)
    stale = vtoc("ops", "update", op["code"], "--status", "paused", "--if-version", "1")
    assert stale.exit_code == 1
    assert stale.stderr.count("\n") == 1 and "error:" in stale.stderr
    nothing = vtoc("ops", "update", op["code"])
    assert nothing.exit_code == 2 and "nothing to change" in nothing.stderr


def test_delete_asks_unless_yes(vtoc: Run) -> None:
    code = json.loads(ok(vtoc("ops", "create", "--name", "Doomed", "--json")))["code"]
    refused = vtoc("ops", "delete", code, input="n\n")
    assert refused.exit_code == 1
    ok(vtoc("ops", "show", code))
    ok(vtoc("ops", "delete", code, input="y\n"))
    assert vtoc("ops", "show", code).exit_code == 1
    code = json.loads(ok(vtoc("ops", "create", "--name", "Doomed 2", "--json")))["code"]
    ok(vtoc("ops", "delete", code, "--yes"))
    assert json.loads(ok(vtoc("ops", "list", "--json"))) == []


def test_deleting_an_operation_says_its_missions_go_with_it(vtoc: Run) -> None:
    op = json.loads(ok(vtoc("ops", "create", "--name", "Crowded", "--json")))
    first, _ = (
        json.loads(ok(vtoc("missions", "create", "--operation", op["code"], "--name", n, "--json")))
        for n in ("First", "Second")
    )
    refused = vtoc("ops", "delete", op["code"], input="n\n")
    assert f"Delete operation {op['code']} 'Crowded' and its 2 missions?" in refused.stdout
    ok(vtoc("missions", "delete", str(first["id"]), "--yes"))
    kept = vtoc("ops", "delete", op["code"], input="n\n")
    assert f"Delete operation {op['code']} 'Crowded' and its 1 mission?" in kept.stdout
    empty = json.loads(ok(vtoc("ops", "create", "--name", "Empty", "--json")))
    alone = vtoc("ops", "delete", empty["code"], input="n\n")
    assert f"Delete operation {empty['code']} 'Empty'? [y/N]" in alone.stdout


def test_deleting_an_asset_says_its_track_goes_with_it(
    vtoc: Run, server_url: str, admin_token: str
) -> None:
    """Its position fixes are deleted with it (CASCADE): the question counts them, in words."""
    fixes = [
        {"asset": "Tracked-01", "at": f"2026-12-01T10:0{i}:00Z", "lat": 59.0, "lon": 18.0 + i}
        for i in range(3)
    ]
    with VtocClient(server_url, admin_token) as api:
        api.assets.create(name="Tracked-01")
        assert api.post_positions(fixes).stored == 3
    refused = vtoc("assets", "delete", "Tracked-01", input="n\n")
    assert refused.exit_code == 1
    assert "Delete asset 'Tracked-01' and its 3 position fixes?" in refused.stdout
    ok(vtoc("assets", "show", "Tracked-01"))


def test_list_all_follows_cursors_and_filters(vtoc: Run) -> None:
    for n in range(7):
        status = "active" if n % 2 else "planned"
        ok(vtoc("ops", "create", "--name", f"Op {n}", "--status", status))
    assert len(json.loads(ok(vtoc("ops", "list", "--limit", "2", "--json")))) == 2
    every = json.loads(ok(vtoc("ops", "list", "--limit", "2", "--all", "--json")))
    assert sorted(o["name"] for o in every) == [f"Op {n}" for n in range(7)]
    active = json.loads(ok(vtoc("ops", "list", "--status", "active", "--all", "--json")))
    assert sorted(o["name"] for o in active) == ["Op 1", "Op 3", "Op 5"]
    found = json.loads(ok(vtoc("ops", "list", "-q", "Op 3", "--json")))
    assert [o["name"] for o in found] == ["Op 3"]


def test_missions_by_reference_and_assignment(vtoc: Run) -> None:
    code = json.loads(ok(vtoc("ops", "create", "--name", "Northern Watch", "--json")))["code"]
    ok(vtoc("assets", "create", "--name", "Ranger-01", "--kind", "vehicle"))
    hawk = json.loads(ok(vtoc("assets", "create", "--name", "Hawk-02", "--json")))
    mission = json.loads(
        ok(
            vtoc(
                "missions",
                "create",
                "--operation",
                code,
                "--name",
                "Patrol sector 4",
                "--asset",
                "Ranger-01",
                "--due-at",
                "2020-01-01T00:00:00Z",
                "--json",
            )
        )
    )
    assert len(mission["asset_ids"]) == 1
    assigned = json.loads(ok(vtoc("missions", "assign", str(mission["id"]), "Hawk-02", "--json")))
    assert hawk["id"] in assigned["asset_ids"] and len(assigned["asset_ids"]) == 2
    by_asset = json.loads(ok(vtoc("missions", "list", "--asset", "Hawk-02", "--json")))
    assert [m["id"] for m in by_asset] == [mission["id"]]
    overdue = json.loads(ok(vtoc("missions", "list", "--operation", code, "--overdue", "--json")))
    assert [m["id"] for m in overdue] == [mission["id"]]
    released = json.loads(ok(vtoc("missions", "unassign", str(mission["id"]), "Hawk-02", "--json")))
    assert hawk["id"] not in released["asset_ids"]
    ok(vtoc("missions", "update", str(mission["id"]), "--status", "completed"))
    assert json.loads(ok(vtoc("missions", "list", "--overdue", "--json"))) == []


def test_asset_heartbeat_with_position(vtoc: Run) -> None:
    ok(
        vtoc(
            "assets",
            "create",
            "--name",
            "Seismic-03",
            "--kind",
            "sensor",
            "--status",
            "unreachable",
        )
    )
    beat = json.loads(
        ok(vtoc("assets", "heartbeat", "Seismic-03", "--lat", "59.3", "--lon", "18.1", "--json"))
    )
    assert (beat["lat"], beat["lon"]) == (59.3, 18.1)
    assert beat["last_seen_at"] and beat["status"] != "unreachable"
    sensors = json.loads(ok(vtoc("assets", "list", "--kind", "sensor", "--json")))
    assert [a["name"] for a in sensors] == ["Seismic-03"]
    half = vtoc("assets", "heartbeat", "Seismic-03", "--lat", "10")
    assert half.exit_code == 2
    assert half.output.strip() == (
        "error: invalid input: lat and lon go together: give both or neither"
    )


def test_intel_filed_and_filtered_by_indicator(vtoc: Run) -> None:
    ok(
        vtoc(
            "intel",
            "create",
            "--title",
            "sshd: brute force from 203.0.113.7",
            "--severity",
            "medium",
        )
    )
    made = json.loads(
        ok(
            vtoc(
                "intel",
                "create",
                "--title",
                "Beacon",
                "--body",
                "connects to 203.0.113.7",
                "--severity",
                "critical",
                "--json",
            )
        )
    )
    assert {"kind": "ipv4", "value": "203.0.113.7"} in made["indicators"]
    critical = json.loads(ok(vtoc("intel", "list", "--min-severity", "high", "--json")))
    assert [i["id"] for i in critical] == [made["id"]]
    shared = json.loads(ok(vtoc("intel", "list", "--indicator", "203.0.113.7", "--json")))
    assert len(shared) == 2
    ok(vtoc("intel", "update", str(made["id"]), "--tlp", "red"))
    assert json.loads(ok(vtoc("intel", "show", str(made["id"]), "--json")))["tlp"] == "red"


def test_tasks_queue_and_cancel(vtoc: Run) -> None:
    task = json.loads(
        ok(
            vtoc(
                "tasks",
                "create",
                "--action",
                "webhook",
                "--param",
                "url=http://127.0.0.1:9/x",
                "--param",
                "retries=3",
                "--json",
            )
        )
    )
    assert task["params"] == {"url": "http://127.0.0.1:9/x", "retries": 3}
    ok(vtoc("tasks", "update", str(task["id"]), "--status", "cancelled"))
    cancelled = json.loads(ok(vtoc("tasks", "list", "--status", "cancelled", "--json")))
    assert [t["id"] for t in cancelled] == [task["id"]]
    bad = vtoc("tasks", "create", "--action", "webhook", "--param", "oops")
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output


def test_intel_list_and_show_say_how_often_a_flood_fired(
    vtoc: Run, server_url: str, admin_token: str
) -> None:
    flood = unique_copies([sample_alerts()[1]], 3)
    for minute, alert in enumerate(flood):
        alert["timestamp"] = f"2026-11-22T06:0{minute}:00.000+0000"
    with VtocClient(server_url, admin_token) as api:
        assert api.ingest_wazuh(ndjson(flood)).created == 1
    rows = parse(ok(vtoc("intel", "list", "--source", "wazuh")), "table")
    assert isinstance(rows, list)
    (row,) = rows
    assert isinstance(row, dict)
    assert (row["SEEN"], row["LAST SEEN"]) == ("3", "2026-11-22T06:02:00+00:00")
    assert row["OBSERVED AT"] == "2026-11-22T06:00:00+00:00"
    shown = dict(line.split("\t", 1) for line in ok(vtoc("intel", "show", row["ID"])).splitlines())
    assert (shown["occurrences"], shown["last_seen_at"]) == ("3", "2026-11-22T06:02:00+00:00")
    (listed,) = json.loads(ok(vtoc("intel", "list", "--source", "wazuh", "-o", "json")))
    assert listed["raw"] is None  # a list leaves the alerts out unless asked
    (with_raw,) = json.loads(ok(vtoc("intel", "list", "--raw", "-o", "json")))
    assert with_raw["raw"]["id"] == flood[0]["id"]


def test_names_with_url_characters_reach_their_own_row(vtoc: Run) -> None:
    """A name is percent-encoded on its way: "3#spare" sent raw reached the server as row 3,
    and the CLI deleted that row instead."""
    first = json.loads(ok(vtoc("assets", "create", "--name", "Ranger-03", "--json")))
    spare = f"{first['id']}#spare"
    names = [spare, "Alpha #1", "Q?x", "100%", "a b&c=d"]
    for name in names:
        ok(vtoc("assets", "create", "--name", name))
    for name in names:
        shown = json.loads(ok(vtoc("assets", "show", name, "--json")))
        assert shown["name"] == name
        beat = json.loads(ok(vtoc("assets", "heartbeat", name, "--json")))
        assert beat["name"] == name and beat["last_seen_at"]
    ok(vtoc("assets", "delete", spare, "--yes"))
    left = {a["name"] for a in json.loads(ok(vtoc("assets", "list", "--all", "--json")))}
    assert left == {"Ranger-03", *names} - {spare}


def test_rows_are_named_as_an_operator_names_them(cli: Process, vtoc: Run) -> None:
    op = json.loads(ok(vtoc("ops", "create", "--name", "Silver Bridge", "--json")))
    ok(vtoc("assets", "create", "--name", "Hawk-02"))
    ok(vtoc("missions", "create", "--operation", "Silver Bridge", "--name", "Overwatch"))
    shown = cli("ops", "show", "Silver Bridge", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["code"] == op["code"]
    assert json.loads(cli("assets", "show", "hawk-02", "--json").stdout)["name"] == "Hawk-02"
    assigned = cli("missions", "assign", "overwatch", "hawk-02", "--json")
    assert assigned.returncode == 0, assigned.stderr
    ok(vtoc("missions", "create", "--operation", op["code"], "--name", "Overwatch"))
    two = cli("missions", "show", "Overwatch")
    assert two.returncode == 1
    assert "'Overwatch' names 2 missions" in two.stderr and "give the id" in two.stderr
    blank = cli("ops", "create", "--name", "   ")
    assert blank.returncode == 2
    assert blank.stderr.strip() == "error: invalid input: name: must not be empty or only spaces"


def test_a_piped_list_that_stops_at_its_limit_says_so(cli: Process, vtoc: Run) -> None:
    for n in range(3):
        ok(vtoc("assets", "create", "--name", f"Sensor-{n}"))
    for fmt in ("table", "json", "csv"):
        piped = cli("assets", "list", "--limit", "2", "-o", fmt)
        assert piped.returncode == 0, piped.stderr
        assert "first 2 only, more exist: --all lists every one" in piped.stderr, fmt
    whole = cli("assets", "list", "--limit", "3", "-o", "json")
    assert whole.stderr == "" and len(json.loads(whole.stdout)) == 3


def test_due_dates_as_people_type_them(vtoc: Run) -> None:
    """The TUI's reading (``vtoc.when``): no offset is UTC, days, "tomorrow 0600", "+2h"."""
    code = json.loads(ok(vtoc("ops", "create", "--name", "Timed", "--json")))["code"]
    made = vtoc(
        "missions",
        "create",
        "--operation",
        code,
        "--name",
        "Noon",
        "--due-at",
        "2026-12-08T12:00",
        "--json",
    )
    mission = json.loads(ok(made))
    assert mission["due_at"] == "2026-12-08T12:00:00Z"
    moved = vtoc("missions", "update", str(mission["id"]), "--due-at", "tomorrow 0600", "--json")
    assert json.loads(ok(moved))["due_at"].endswith("T06:00:00Z")
    wrong = vtoc("missions", "update", str(mission["id"]), "--due-at", "soonish")
    assert wrong.exit_code == 2
    assert "'soonish' is not a time" in wrong.output
