"""``vtoc ingest wazuh`` as a real process against a real server."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.conftest import LiveServer, ndjson, unique_copies
from tests.processes import VTOC, wait_for
from vtoc.feeds.lines import Position, state_file_for


@pytest.fixture
def cli_env(live_server: LiveServer) -> dict[str, str]:
    return live_server.env


def ingest(env: dict[str, str], *args: str, **kw: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*VTOC, "ingest", "wazuh", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def stored_alerts(server: LiveServer) -> int:
    """Every alert the server holds, counted through the occurrences of its reports."""
    with server.client() as client:
        return sum(r.occurrences for r in client.intel.iterate(source=["wazuh"], limit=500))


def saved_offset(state: Path) -> int:
    position = Position.load(state)
    return position.offset if position else 0


def test_killed_half_way_and_restarted_every_alert_is_in_once(
    live_server: LiveServer,
    cli_env: dict[str, str],
    samples: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = tmp_path / "alerts.json"
    source.write_bytes(ndjson(unique_copies(samples, 50_000)))
    size = source.stat().st_size
    monkeypatch.setenv("XDG_STATE_HOME", cli_env["XDG_STATE_HOME"])
    state = state_file_for(source)

    def offset() -> int:
        return saved_offset(state)

    first = ingest(cli_env, str(source), "--batch", "500")
    wait_for(lambda: offset() >= size // 2 or first.poll() is not None, 120, "half the file")
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert 0 < offset() < size, "the run was to be killed half way"

    second = ingest(cli_env, str(source), "--batch", "500")
    _, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert offset() == size
    assert stored_alerts(live_server) == 50_000

    again = ingest(cli_env, str(source), "--from-start")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert "0 created" in err and "50000 duplicates" in err
    assert stored_alerts(live_server) == 50_000


def test_follow_reads_new_lines_and_rotated_files(
    live_server: LiveServer,
    cli_env: dict[str, str],
    samples: list[dict[str, Any]],
    tmp_path: Path,
) -> None:
    alerts = unique_copies(samples, 30, vary_source=True)
    source = tmp_path / "alerts.json"
    source.write_bytes(ndjson(alerts[:10]))
    follower = ingest(cli_env, str(source), "--follow")
    try:
        wait_for(lambda: stored_alerts(live_server) == 10, 30, "the first alerts")
        with source.open("ab") as fh:  # a line written in two parts
            line = json.dumps(alerts[10]).encode()
            fh.write(line[:50])
            fh.flush()
            time.sleep(1.0)
            fh.write(line[50:] + b"\n" + ndjson(alerts[11:20]))
        wait_for(lambda: stored_alerts(live_server) == 20, 30, "the appended alerts")
        source.rename(tmp_path / "alerts.json.1")  # logrotate: rename, then a new file
        source.write_bytes(ndjson(alerts[20:]))
        wait_for(lambda: stored_alerts(live_server) == 30, 30, "the rotated file")
    finally:
        follower.send_signal(signal.SIGINT)
        follower.communicate(timeout=30)


def test_reads_stdin_and_names_bad_lines(
    live_server: LiveServer, cli_env: dict[str, str], samples: list[dict[str, Any]]
) -> None:
    body = ndjson(samples[:3]) + b"{not json\n" + ndjson(samples[3:5])
    done = subprocess.run(
        [*VTOC, "ingest", "wazuh", "-"], input=body, env=cli_env, capture_output=True, timeout=60
    )
    assert done.returncode == 3, done.stderr  # some lines were rejected
    err = done.stderr.decode()
    assert f"at byte {len(ndjson(samples[:3]))}: line 4: not JSON" in err
    assert "1 rejected" in err
    assert stored_alerts(live_server) == 5


def test_a_trickle_through_a_pipe_goes_out_without_waiting_for_a_full_batch(
    live_server: LiveServer, cli_env: dict[str, str], samples: list[dict[str, Any]]
) -> None:
    # `ssh manager tail -F alerts.json | vtoc ingest wazuh -`: three alerts, then nothing
    # for a while; they must not wait for 497 more.
    alerts = unique_copies(samples, 5, vary_source=True)
    reader = ingest(cli_env, "-", stdin=subprocess.PIPE)
    assert reader.stdin is not None
    try:
        reader.stdin.write(ndjson(alerts[:3]).decode())
        reader.stdin.flush()
        wait_for(lambda: stored_alerts(live_server) == 3, 15, "the first three alerts")
        reader.stdin.write(ndjson(alerts[3:]).decode())
        reader.stdin.flush()
        wait_for(lambda: stored_alerts(live_server) == 5, 15, "the next two")
    finally:
        _, err = reader.communicate(timeout=30)  # closes stdin: the end
    assert reader.returncode == 0, err
    assert "5 alerts: 5 created" in err


def test_batches_sent_side_by_side_are_reported_in_file_order(
    live_server: LiveServer, cli_env: dict[str, str], samples: list[dict[str, Any]]
) -> None:
    alerts = unique_copies(samples, 40, vary_source=True)
    lines = [json.dumps(a).encode() + b"\n" for a in alerts]
    bad = {3: b"{not json\n", 17: b"[1, 2\n", 31: b"nope\n"}
    for index, line in sorted(bad.items()):
        lines.insert(index, line)
    starts = [sum(map(len, lines[:i])) for i in range(len(lines))]
    done = subprocess.run(
        [*VTOC, "ingest", "wazuh", "-", "--batch", "4", "--parallel", "4"],
        input=b"".join(lines),
        env=cli_env,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    warned = [
        int(w.split(" at byte ")[1].split(":")[0])
        for w in done.stderr.decode().splitlines()
        if w.startswith("warning:")
    ]
    assert warned == [starts[i] for i in sorted(bad)]
    assert "40 created" in done.stderr.decode() and "3 rejected" in done.stderr.decode()
    assert stored_alerts(live_server) == 40


def test_a_bad_token_exits_4_without_traceback(
    cli_env: dict[str, str], samples: list[dict[str, Any]], tmp_path: Path
) -> None:
    source = tmp_path / "alerts.json"
    source.write_bytes(ndjson(samples[:2]))
    done = ingest(cli_env | {"VTOC_TOKEN": "vtoc_wrong"}, str(source))
    _, err = done.communicate(timeout=60)
    assert done.returncode == 4
    assert err.startswith("error: unknown token")
    assert "Traceback" not in err


def test_folded_alerts_are_explained_and_a_clean_run_exits_0(
    live_server: LiveServer, cli_env: dict[str, str], samples: list[dict[str, Any]]
) -> None:
    repeats = unique_copies(samples[:1], 6)  # one alert six times: one report, five folded
    done = subprocess.run(
        [*VTOC, "ingest", "wazuh", "-"],
        input=ndjson(repeats),
        env=cli_env,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    err = done.stderr.decode()
    assert "6 alerts: 1 created  5 folded" in err
    assert "(5 folded: repeats of an alert already filed" in err
