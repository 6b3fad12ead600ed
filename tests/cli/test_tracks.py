"""``vtoc assets track`` against a real server: table, JSON, CSV and GPX."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from tests.cli.conftest import VTOC, Run, ok
from tests.cli.test_errors import one_line_error
from vtoc.client import VtocClient

NOW = datetime.now(UTC).replace(microsecond=0)
GPX = "{http://www.topografix.com/GPX/1/1}"


def add_track(server_url: str, token: str) -> None:
    """Three fixes in the last half hour, and one five hours ago."""
    fixes = [
        {
            "asset": "Ranger-07",
            "at": (NOW - timedelta(minutes=30 - i)).isoformat(),
            "lat": 59.0 + i / 100,
            "lon": 18.0,
            "alt": 12.5,
            "source": "nmea",
        }
        for i in range(3)
    ]
    fixes.append({**fixes[0], "at": (NOW - timedelta(hours=5)).isoformat(), "lat": 1.0})
    with VtocClient(server_url, token) as api:
        api.assets.create(name="Ranger-07", kind="vehicle")
        assert api.post_positions(fixes).stored == 4


def test_track_in_json_csv_and_gpx(vtoc: Run, server_url: str, admin_token: str) -> None:
    add_track(server_url, admin_token)
    track = json.loads(ok(vtoc("assets", "track", "Ranger-07", "--since", "1h", "-o", "json")))
    assert track["total"] == 3
    assert [f["lat"] for f in track["fixes"]] == [59.0, 59.01, 59.02]

    every = json.loads(ok(vtoc("assets", "track", "Ranger-07", "--since", "6h", "-o", "json")))
    assert every["total"] == 4

    rows = list(csv.DictReader(io.StringIO(ok(vtoc("assets", "track", "Ranger-07", "-o", "csv")))))
    assert [(r["LAT"], r["SOURCE"]) for r in rows[-3:]] == [
        ("59.0", "nmea"),
        ("59.01", "nmea"),
        ("59.02", "nmea"),
    ]

    since = (NOW - timedelta(hours=1)).isoformat()
    root = ElementTree.fromstring(
        ok(vtoc("assets", "track", "Ranger-07", "--since", since, "-o", "gpx")).encode()
    )
    assert root.findtext(f"{GPX}trk/{GPX}name") == "Ranger-07"
    points = root.findall(f"{GPX}trk/{GPX}trkseg/{GPX}trkpt")
    assert [p.get("lat") for p in points] == ["59.0", "59.01", "59.02"]
    assert points[0].findtext(f"{GPX}ele") == "12.5"
    first = (NOW - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    assert points[0].findtext(f"{GPX}time") == first


def test_a_bad_since_is_one_line_naming_the_option(base_env: dict[str, str | None]) -> None:
    env = {k: v for k, v in {**os.environ, **base_env}.items() if v is not None}
    done = subprocess.run(
        [VTOC, "assets", "track", "Ranger-07", "--since", "yesterday"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 2
    line = one_line_error(done.stderr)
    assert "--since" in line and "2h" in line


def test_a_replay_ending_before_it_starts_is_one_line_naming_since(
    base_env: dict[str, str | None],
) -> None:
    env = {k: v for k, v in {**os.environ, **base_env}.items() if v is not None}
    for args in (["--since", "1h", "--until", "2h"], ["--since", "yesterday"]):
        done = subprocess.run(
            [VTOC, "map", "replay", *args], capture_output=True, text=True, timeout=60, env=env
        )
        assert done.returncode == 2, done.stderr
        assert "--since" in one_line_error(done.stderr)
