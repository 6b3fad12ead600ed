"""``vtoc feed nmea|ais|adsb`` against a real server, from files the tests write (with real
sentence checksums), and a serial device (a pty) that drops and comes back."""

from __future__ import annotations

import functools
import json
import operator
import os
import pty
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyais import encode_dict

from tests.cli.conftest import VTOC, Run
from vtoc import schemas as s
from vtoc.client import VtocClient

DAY = datetime.now(UTC).date() - timedelta(days=1)


def nmea(body: str) -> str:
    """A sentence with its checksum: the XOR of every character between $ and *."""
    checksum = functools.reduce(operator.xor, map(ord, body), 0)
    return f"${body}*{checksum:02X}\r\n"


def gps_epoch(second: int, lat_minutes: float) -> str:
    """One epoch of a receiver: GGA (altitude), RMC (date, speed, course), GSV (no fix)."""
    hhmmss = f"1200{second:02d}"
    ddmmyy = DAY.strftime("%d%m%y")
    lat = f"59{lat_minutes:06.3f}"
    return (
        nmea(f"GPGGA,{hhmmss},{lat},N,01804.000,E,1,08,0.9,25.5,M,23.9,M,,")
        + nmea(f"GPRMC,{hhmmss},A,{lat},N,01804.000,E,010.0,045.0,{ddmmyy},,,A")
        + nmea("GPGSV,1,1,01,01,40,083,46")
    )


@pytest.fixture
def api(server_url: str, admin_token: str) -> Iterator[VtocClient]:
    with VtocClient(server_url, admin_token) as client:
        yield client


@pytest.fixture
def feed(vtoc: Run, tmp_path: Path) -> Run:
    """``vtoc feed …`` with its offsets kept under the test's own directory."""
    state = {"XDG_STATE_HOME": str(tmp_path / "state")}
    return lambda *args, **kw: vtoc("feed", *args, env=state, **kw)


def whole_track(api: VtocClient, asset: str) -> s.Track:
    since = datetime.now(UTC) - timedelta(days=3)
    return api.track(asset, s.TrackQuery(since=since, max_points=10_000))


def test_nmea_file_becomes_a_track_bad_lines_are_named_and_a_rerun_resumes(
    feed: Run, api: VtocClient, tmp_path: Path
) -> None:
    api.assets.create(name="Ranger-01", kind="vehicle")
    log = tmp_path / "gps.nmea"
    good = gps_epoch(0, 20.0) + gps_epoch(1, 20.5)
    broken = nmea("GPRMC,120002,A,5921.000,N,01804.000,E,010.0,045.0,010125,,,A")
    broken = broken.replace("*", "0*", 1)  # a changed digit: the checksum no longer matches
    log.write_text(good + broken + "this is not NMEA\n" + gps_epoch(3, 21.5))

    result = feed("nmea", str(log), "--asset", "Ranger-01")
    assert result.exit_code == 0, result.output
    assert "3 fixes: 3 stored" in result.stderr and "2 bad lines" in result.stderr
    at_broken = len(good.encode())
    assert f"at byte {at_broken}: checksum does not match" in result.stderr
    assert f"at byte {at_broken + len(broken)}: not an NMEA sentence" in result.stderr

    track = whole_track(api, "Ranger-01")
    assert [f.lat for f in track.fixes] == [59 + 20 / 60, 59 + 20.5 / 60, 59 + 21.5 / 60]
    first = track.fixes[0]
    assert first.at == datetime(DAY.year, DAY.month, DAY.day, 12, 0, 0, tzinfo=UTC)
    assert (first.alt, first.course, first.source) == (25.5, 45.0, "nmea")
    assert first.speed == pytest.approx(5.144, abs=1e-3)  # 10 knots

    with log.open("a") as fh:
        fh.write(gps_epoch(4, 22.0))
    again = feed("nmea", str(log), "--asset", "Ranger-01")
    assert "1 fixes: 1 stored" in again.stderr  # only what was appended
    replay = feed("nmea", str(log), "--asset", "Ranger-01", "--from-start")
    assert "4 fixes: 0 stored  4 duplicates" in replay.stderr


def test_nmea_for_an_unknown_asset_names_it(feed: Run, tmp_path: Path) -> None:
    log = tmp_path / "gps.nmea"
    log.write_text(gps_epoch(0, 20.0))
    result = feed("nmea", str(log), "--asset", "Nobody")
    assert "no asset named 'Nobody'" in result.stderr


def ais_line(fields: dict[str, object], at: datetime | None = None) -> str:
    lines = encode_dict(fields, talker_id="AI")
    if at is None:
        return "".join(line + "\n" for line in lines)
    tag = f"c:{int(at.timestamp())}"
    checksum = functools.reduce(operator.xor, map(ord, tag), 0)
    return "".join(f"\\{tag}*{checksum:02X}\\{line}\n" for line in lines)


def test_ais_log_becomes_vessels_named_by_mmsi(feed: Run, api: VtocClient, tmp_path: Path) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    log = tmp_path / "ais.nmea"
    static = {"type": 5, "mmsi": 244660000, "shipname": "ZEELAND", "callsign": "PBZL"}
    ferry = {"type": 1, "mmsi": 244660000, "lat": 52.37, "lon": 4.89, "speed": 10.0}
    tug = {"type": 18, "mmsi": 244123456, "lat": 51.9, "lon": 4.4, "course": 270.0}
    fields = ais_line(tug).split(",")
    fields[5] = fields[5][:-1] + ("A" if fields[5][-1] != "A" else "B")  # a bit flipped
    corrupt = ",".join(fields)
    log.write_text(
        ais_line(static) + ais_line(ferry, at) + corrupt + ais_line(tug, at + timedelta(seconds=5))
    )
    result = feed("ais", str(log))
    assert "2 fixes: 2 stored" in result.stderr and "1 bad lines" in result.stderr

    ferry_asset = api.assets.list(q="244660000").items[0]
    assert (ferry_asset.kind, ferry_asset.callsign) == ("vehicle", "ZEELAND")
    assert (round(ferry_asset.lat or 0, 2), round(ferry_asset.lon or 0, 2)) == (52.37, 4.89)
    assert ferry_asset.position_at == at
    # a name of digits in a path is read as an id: the tug is looked up by its id
    tug_id = api.assets.list(q="244123456").items[0].id
    fixes = whole_track(api, str(tug_id)).fixes
    assert [(f.course, f.at) for f in fixes] == [(270.0, at + timedelta(seconds=5))]


def test_adsb_aircraft_json_becomes_aircraft(feed: Run, api: VtocClient, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    doc = {
        "now": now.timestamp(),
        "aircraft": [
            {
                "hex": "4ca7b5",
                "flight": "RYR12A  ",
                "lat": 53.42,
                "lon": -6.27,
                "alt_baro": 10000,
                "gs": 300,
                "track": 123.4,
                "seen_pos": 2.0,
            },
            {"hex": "400a1f", "alt_baro": 3000},  # no position yet
            {"hex": "3c6444", "lat": 50.0, "lon": 8.5, "seen_pos": 600},  # long gone
            {"flight": "NOHEX", "lat": 1.0, "lon": 1.0},
        ],
    }
    path = tmp_path / "aircraft.json"
    path.write_text(json.dumps(doc))
    result = feed("adsb", str(path), "--once")
    assert result.exit_code == 0, result.output
    assert "1 fixes: 1 stored" in result.stderr
    assert "aircraft 3: KeyError" in result.stderr
    plane = api.assets.get("4CA7B5")
    assert (plane.kind, plane.callsign, plane.lat) == ("aircraft", "RYR12A", 53.42)
    assert plane.position_at == now - timedelta(seconds=2)
    (fix,) = whole_track(api, "4CA7B5").fixes
    assert fix.alt == 3048.0 and fix.speed == pytest.approx(154.33, abs=0.01)


def wait_for(
    check: Callable[[], bool], what: str, timeout: float = 30.0, tick: Callable[[], object] = list
) -> None:
    """Until ``check``, calling ``tick`` once a second (a receiver sending at 1 Hz)."""
    deadline = time.monotonic() + timeout
    ticked = 0.0
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        if time.monotonic() - ticked >= 1.0:
            tick()
            ticked = time.monotonic()
        time.sleep(0.05)


def test_a_serial_device_that_drops_and_comes_back(
    base_env: dict[str, str | None], admin_token: str, api: VtocClient, tmp_path: Path
) -> None:
    """A pty stands for the receiver; the feed opens it by a link, as udev names devices.
    The pty goes away (unplugged) and a new one takes the link (plugged in again)."""
    api.assets.create(name="Ranger-02", kind="vehicle")
    link = tmp_path / "gps0"
    master, slave = pty.openpty()
    link.symlink_to(os.ttyname(slave))
    env = {k: v for k, v in {**os.environ, **base_env}.items() if v is not None}
    env["VTOC_TOKEN"] = admin_token
    stderr = tmp_path / "feed.err"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [VTOC, "feed", "nmea", str(link), "--asset", "Ranger-02", "--baud", "9600"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        # Opening a serial port empties its input: the receiver repeats until the feed is on.
        first = gps_epoch(0, 10.0).encode()
        wait_for(
            lambda: api.assets.get("Ranger-02").lat == 59 + 10 / 60,
            "the first fix",
            tick=lambda: os.write(master, first),
        )

        os.close(master)
        os.close(slave)
        wait_for(lambda: "lost" in stderr.read_text(), "the feed to notice")
        master, slave = pty.openpty()
        link.unlink()
        link.symlink_to(os.ttyname(slave))
        wait_for(lambda: "back" in stderr.read_text(), "the feed to reopen the device")
        after = gps_epoch(1, 11.0).encode()
        wait_for(
            lambda: api.assets.get("Ranger-02").lat == 59 + 11 / 60,
            "the fix after",
            tick=lambda: os.write(master, after),
        )
        assert [f.lat for f in whole_track(api, "Ranger-02").fixes] == [
            59 + 10 / 60,
            59 + 11 / 60,
        ]
        assert process.poll() is None  # still feeding
    finally:
        process.terminate()
        process.wait(timeout=10)
        os.close(master)
        os.close(slave)
