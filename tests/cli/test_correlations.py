"""``vtoc correlations escalate`` against a real server: one summary however often it runs."""

from __future__ import annotations

import json

from tests.cli.conftest import Run, ok
from tests.cli.test_errors import one_line_error
from vtoc import schemas as s
from vtoc.client import VtocClient, correlation_run_call


def test_escalate_files_one_summary_and_unknown_ids_fail_cleanly(
    vtoc: Run, server_url: str, admin_token: str
) -> None:
    with VtocClient(server_url, admin_token) as api:
        first = api.intel.create(title="Beacon", body="Beacon from 203.0.113.7", severity="low")
        second = api.intel.create(title="Again", body="Again 203.0.113.7", severity="medium")
        api.send(correlation_run_call(s.CorrelationRun()))
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
