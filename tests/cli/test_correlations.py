"""``vtoc correlations`` against a real server: clusters listed, explained, escalated once."""

from __future__ import annotations

import json

from tests.cli.conftest import Run, ok
from tests.cli.test_errors import one_line_error
from vtoc import schemas as s
from vtoc.client import VtocClient


def test_escalate_files_one_summary_and_unknown_ids_fail_cleanly(
    vtoc: Run, server_url: str, admin_token: str
) -> None:
    with VtocClient(server_url, admin_token) as api:
        first = api.intel.create(title="Beacon", body="Beacon from 203.0.113.7", severity="low")
        second = api.intel.create(title="Again", body="Again 203.0.113.7", severity="medium")
        api.correlation_run(s.CorrelationRun())
        [cluster] = api.correlations().items
    assert sorted(cluster.report_ids) == [first.id, second.id]

    summary = json.loads(ok(vtoc("correlations", "escalate", str(cluster.id), "--json")))
    assert summary["source"] == "agent" and "2 linked reports" in summary["title"]
    again = ok(vtoc("correlations", "escalate", str(cluster.id), "-o", "yaml"))
    assert f"id: {summary['id']}\n" in again
    table = ok(vtoc("correlations", "escalate", str(cluster.id)))
    assert f"id\t{summary['id']}\n" in table
    with VtocClient(server_url, admin_token) as api:
        assert [r.id for r in api.intel.list(source=["agent"]).items] == [summary["id"]]
        assert api.intel.get(first.id).severity == "medium"  # raised once, not three times

    missing = vtoc("correlations", "escalate", str(cluster.id + 1000))
    assert missing.exit_code == 1
    assert one_line_error(missing.stderr) == f"error: no correlation {cluster.id + 1000}"
    assert vtoc("correlations", "escalate", "seven").exit_code == 2


def test_list_show_and_of_explain_each_cluster(
    vtoc: Run, server_url: str, admin_token: str
) -> None:
    with VtocClient(server_url, admin_token) as api:
        beacon = api.intel.create(title="Beacon", body="Beacon from 203.0.113.7", severity="low")
        again = api.intel.create(title="Again", body="Again from 203.0.113.7", severity="high")
        scan = api.intel.create(title="Scan", body="Scan by 198.51.100.9", severity="low")
        rescan = api.intel.create(title="Rescan", body="Rescan by 198.51.100.9", severity="low")
        alone = api.intel.create(title="Alone", body="Nothing shared here", severity="info")
        api.correlation_run(s.CorrelationRun())

    clusters = json.loads(ok(vtoc("correlations", "list", "--limit", "1", "--all", "--json")))
    assert sorted(sorted(c["report_ids"]) for c in clusters) == [
        [beacon.id, again.id],
        [scan.id, rescan.id],
    ]
    first_page = json.loads(ok(vtoc("correlations", "list", "--limit", "1", "--json")))
    assert len(first_page) == 1
    table = ok(vtoc("correlations", "list")).splitlines()
    assert table[0].split("\t")[:5] == ["ID", "SEVERITY", "SCORE", "REPORTS", "INDICATORS"]
    rows = {line.split("\t")[4]: line.split("\t") for line in table[1:]}
    assert rows["ipv4:203.0.113.7"][1:4:2] == ["high", "2"]  # the worst member's severity

    [linked] = [c for c in clusters if beacon.id in c["report_ids"]]
    shown = ok(vtoc("correlations", "show", str(linked["id"]), "-o", "yaml"))
    assert f"- {beacon.id}\n" in shown and "value: 203.0.113.7" in shown

    why = ok(vtoc("correlations", "of", str(beacon.id))).splitlines()
    assert why == ["REPORT\tSEVERITY\tTITLE\tSHARED", f"{again.id}\thigh\tAgain\tipv4:203.0.113.7"]
    whole = json.loads(ok(vtoc("correlations", "of", str(beacon.id), "--json")))
    assert whole["correlation"]["id"] == linked["id"]
    nothing = json.loads(ok(vtoc("correlations", "of", str(alone.id), "--json")))
    assert nothing["correlation"] is None and nothing["reports"] == []

    missing = vtoc("correlations", "show", "999999")
    assert missing.exit_code == 1
    assert one_line_error(missing.stderr) == "error: no correlation 999999"
    no_report = vtoc("correlations", "of", "999999")
    assert no_report.exit_code == 1
    assert one_line_error(no_report.stderr).startswith("error: no ")
