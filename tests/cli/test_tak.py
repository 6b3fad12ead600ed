"""``vtoc tak serve`` between real TCP clients and a real ``vtoc server run``: CoT in moves
assets, moves go out as CoT within a second, and hostile documents hurt no other client."""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.cli.conftest import VTOC
from vtoc.children import free_port
from vtoc.client import VtocClient
from vtoc.tak.cot import split

WAIT = 30.0


def cot(callsign: str, lat: float, lon: float, at: datetime | None = None) -> bytes:
    at = at or datetime.now(UTC)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    stale = (at + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><event version="2.0" uid="ANDROID-{callsign}"'
        f' type="a-f-G-U-C" how="m-g" time="{stamp}" start="{stamp}" stale="{stale}">'
        f'<point lat="{lat}" lon="{lon}" hae="9999999.0" ce="9999999.0" le="9999999.0"/>'
        f'<detail><contact callsign="{callsign}"/></detail></event>'
    ).encode()


@dataclass
class Received:
    callsign: str
    lat: float
    lon: float
    type: str
    stale: str


class TakClient:
    """A TAK client on the gateway's TCP port; what it receives is queued as it arrives."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.sock.settimeout(None)  # an idle client stays; waits have their own deadlines
        self.got: queue.Queue[Received | None] = queue.Queue()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        buffer = bytearray()
        try:
            while chunk := self.sock.recv(65536):
                buffer += chunk
                for document in split(buffer):
                    event = ET.fromstring(document)
                    point, contact = event.find("point"), event.find("detail/contact")
                    assert point is not None and contact is not None
                    self.got.put(
                        Received(
                            contact.get("callsign", ""),
                            float(point.get("lat", "nan")),
                            float(point.get("lon", "nan")),
                            event.get("type", ""),
                            event.get("stale", ""),
                        )
                    )
        except OSError:
            pass
        self.got.put(None)  # closed by the gateway

    def wait_for(self, callsign: str, lat: float, timeout: float = WAIT) -> Received:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self.got.get(timeout=left)
            except queue.Empty:
                break
            assert item is not None, "the gateway closed this client"
            if item.callsign == callsign and item.lat == pytest.approx(lat):
                return item
        raise AssertionError(f"no CoT for {callsign} at {lat} within {timeout} s")

    def wait_closed(self) -> None:
        deadline = time.monotonic() + WAIT
        while self.got.get(timeout=max(0.0, deadline - time.monotonic())) is not None:
            pass

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()


@dataclass
class Gateway:
    port: int
    log: list[str]


@pytest.fixture
def gateway(server_url: str, admin_token: str) -> Iterator[Gateway]:
    port = free_port()
    udp = ("--udp-port", str(free_port()))
    process = subprocess.Popen(
        [VTOC, "tak", "serve", "--host", "127.0.0.1", "--port", str(port), *udp, "--create-assets"],
        env={**base_env_of(server_url), "VTOC_TOKEN": admin_token},
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if "TAK gateway on" in line:
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        assert ready.wait(WAIT), f"the gateway did not start: {log}"
        yield Gateway(port, log)
        assert process.poll() is None, f"the gateway died: {log}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def base_env_of(server_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}
    return env | {"VTOC_API_URL": server_url}


@pytest.fixture
def api(server_url: str, admin_token: str) -> Iterator[VtocClient]:
    with VtocClient(server_url, admin_token) as client:
        yield client


def follow_live(api: VtocClient, watcher: TakClient) -> None:
    """Wait until the gateway follows the event stream: two moves made through the API in
    a row reach ``watcher`` (its first listing of the assets can carry one, not two)."""
    in_a_row = 0
    for step in range(100):
        lat = 10.0 + step / 1000
        fix = {"asset": "Warmup", "at": datetime.now(UTC).isoformat(), "lat": lat, "lon": 20.0}
        api.post_positions([fix], create_assets=True)
        try:
            watcher.wait_for("Warmup", lat, timeout=3)
        except AssertionError:
            in_a_row = 0
            continue
        in_a_row += 1
        if in_a_row == 2:
            return
    raise AssertionError("the gateway never followed the event stream")


@pytest.fixture
def watcher(gateway: Gateway, api: VtocClient) -> Iterator[TakClient]:
    """A TAK client connected to a gateway that follows the event stream."""
    client = TakClient(gateway.port)
    follow_live(api, client)
    yield client
    client.close()


def test_cot_in_moves_the_asset_and_every_tak_client_sees_it(
    gateway: Gateway, api: VtocClient, watcher: TakClient
) -> None:
    sender = TakClient(gateway.port)

    # two documents in one write, as TAK's stream runs them together
    sender.send(cot("Alpha", 59.3293, 18.0686) + b"\n" + cot("Bravo", 57.7, 11.97))
    seen = watcher.wait_for("Alpha", 59.3293)  # live, pushed: how fast is the bench's to say
    assert seen.type == "a-f-G-U-C"  # created as personnel from its CoT type
    assert seen.stale > datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    watcher.wait_for("Bravo", 57.7)

    alpha = api.assets.get("Alpha")
    assert alpha.lat == pytest.approx(59.3293) and alpha.lon == pytest.approx(18.0686)
    assert alpha.kind == "personnel"
    sender.close()


def test_an_xml_bomb_and_a_10_mb_document_are_refused_while_others_keep_working(
    gateway: Gateway, api: VtocClient, watcher: TakClient
) -> None:
    sender = TakClient(gateway.port)

    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE event [<!ENTITY lol0 "lol">{laughs}]>'
        '<event uid="x"><detail><contact callsign="&lol9;"/></detail></event>'
    ).encode()
    bomber = TakClient(gateway.port)
    bomber.send(bomb)

    flooder = TakClient(gateway.port)
    huge = b'<event uid="huge"><detail>' + b"A" * (10 * 1024 * 1024) + b"</detail></event>"

    def flood() -> None:
        with contextlib.suppress(OSError):  # the gateway hangs up part-way: the refusal
            flooder.send(huge)

    threading.Thread(target=flood, daemon=True).start()
    flooder.wait_closed()

    # the bomber's connection is kept: its next, honest document is taken
    bomber.send(cot("Charlie", 60.1, 24.9))
    watcher.wait_for("Charlie", 60.1)
    sender.send(cot("Delta", 61.5, 23.8))
    watcher.wait_for("Delta", 61.5)
    assert api.assets.get("Delta").lat == pytest.approx(61.5)
    assert any("DTDForbidden" in line for line in gateway.log), gateway.log
    assert any("over 65536 bytes; closed" in line for line in gateway.log), gateway.log
    for client in (sender, bomber, flooder):
        client.close()
