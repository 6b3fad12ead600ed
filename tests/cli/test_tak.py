"""``vtoc tak serve`` between real TCP clients and a real ``vtoc server run``: CoT in moves
assets, moves go out as CoT within a second, and hostile documents hurt no other client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import socket
import ssl
import struct
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.cli.conftest import VTOC
from vtoc.children import free_port
from vtoc.client import AsyncVtocClient, NotFound, VtocClient
from vtoc.tak.cot import position_report, split
from vtoc.tak.gateway import Datagrams
from vtoc.tak.gateway import Gateway as TakGateway
from vtoc.tak.trust import admits, network_of

WAIT = 30.0
STALE = timedelta(minutes=5)


def cot(callsign: str, lat: float, lon: float, at: datetime | None = None) -> bytes:
    """What ATAK on a phone sends: an XML declaration, then the position report."""
    at = at or datetime.now(UTC)
    report = position_report(
        uid=f"ANDROID-{callsign}", callsign=callsign, lat=lat, lon=lon, at=at, stale=STALE
    )
    return b'<?xml version="1.0" encoding="UTF-8"?>' + report


@dataclass
class Received:
    callsign: str
    lat: float
    lon: float
    type: str
    stale: str


class TakClient:
    """A TAK client on the gateway's TCP port; what it receives is queued as it arrives."""

    def __init__(self, port_or_socket: int | socket.socket) -> None:
        if isinstance(port_or_socket, int):
            port_or_socket = socket.create_connection(("127.0.0.1", port_or_socket), timeout=WAIT)
        self.sock = port_or_socket
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
        """Hang up at once (a bare close waits for the reader's ``recv`` to end)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


@dataclass
class Gateway:
    port: int
    udp_port: int
    log: list[str]

    def wait_logged(self, text: str) -> None:
        deadline = time.monotonic() + WAIT
        while not any(text in line for line in self.log):
            assert time.monotonic() < deadline, f"{text!r} never logged: {self.log}"
            time.sleep(0.05)


StartGateway = Callable[..., Gateway]


@pytest.fixture
def start_gateway(server_url: str, admin_token: str) -> Iterator[StartGateway]:
    """Start ``vtoc tak serve`` with extra options; each is stopped (and must not have died)."""
    processes: list[tuple[subprocess.Popen[str], list[str]]] = []

    def start(*options: str, udp_port: int | None = None) -> Gateway:
        port, udp_port = free_port(), udp_port or free_port()
        ports = ("--port", str(port), "--udp-port", str(udp_port))
        process = subprocess.Popen(
            [VTOC, "tak", "serve", "--host", "127.0.0.1", *ports, *options],
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
        processes.append((process, log))
        assert ready.wait(WAIT), f"the gateway did not start: {log}"
        return Gateway(port, udp_port, log)

    try:
        yield start
        for process, log in processes:
            assert process.poll() is None, f"the gateway died: {log}"
    finally:
        for process, _ in processes:
            process.terminate()
            process.wait(timeout=15)


@pytest.fixture
def gateway(start_gateway: StartGateway) -> Gateway:
    return start_gateway("--create-assets")


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


# Who may talk to the gateway -------------------------------------------------------------


def from_address(source: str, port: int) -> socket.socket:
    """A TCP connection to the gateway from ``source`` (all of 127.0.0.0/8 is loopback)."""
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT, source_address=(source, 0))


def test_an_address_outside_the_allow_list_is_refused(
    start_gateway: StartGateway, api: VtocClient
) -> None:
    gateway = start_gateway("--create-assets", "--allow", "127.0.0.1/32")
    outsider = TakClient(from_address("127.0.0.2", gateway.port))
    outsider.wait_closed()
    gateway.wait_logged("refused: not in the allow-list")

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.2", 0))
        udp.sendto(cot("Outsider", 1.0, 2.0), ("127.0.0.1", gateway.udp_port))
    gateway.wait_logged("udp 127.0.0.2: refused")

    insider = TakClient(from_address("127.0.0.1", gateway.port))
    follow_live(api, insider)  # served: it gets the assets as they move
    insider.send(cot("Insider", 45.5, 9.2))
    insider.wait_for("Insider", 45.5)
    with pytest.raises(NotFound):
        api.assets.get("Outsider")
    insider.close()


@dataclass
class Certificates:
    ca: trustme.CA
    options: tuple[str, ...]

    def client(self, ca: trustme.CA | None, port: int) -> ssl.SSLSocket:
        """A TLS connection that trusts the gateway's CA, showing a certificate ``ca``
        signed (none without one)."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        if ca is not None:
            ca.issue_cert("tak-client.example").configure_cert(context)
        raw = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        return context.wrap_socket(raw, server_hostname="127.0.0.1")


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1")
    paths = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    server.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    server.private_key_pem.write_to_path(str(paths["key"]))
    options = ("--tls-ca", str(paths["ca"]), "--tls-cert", str(paths["cert"]))
    return Certificates(ca, (*options, "--tls-key", str(paths["key"])))


def refused(connect: Callable[[], socket.socket]) -> None:
    """The gateway hangs up (in the handshake or right after it) and sends nothing."""
    try:
        sock = connect()
    except (ssl.SSLError, ConnectionError):
        return
    client = TakClient(sock)
    client.wait_closed()
    assert client.got.empty(), "a refused client was sent CoT"


def wait_moved(api: VtocClient, name: str, lat: float) -> None:
    deadline = time.monotonic() + WAIT
    while True:
        with contextlib.suppress(NotFound):
            if api.assets.get(name).lat == pytest.approx(lat):
                return
        assert time.monotonic() < deadline, f"{name} never reached {lat}"
        time.sleep(0.05)


def plain(port: int) -> socket.socket:
    """A client speaking plain CoT to the TLS port."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.sendall(cot("Plain", 1.0, 2.0))
    return sock


def test_tls_serves_a_certified_client_and_refuses_others(
    start_gateway: StartGateway, api: VtocClient, certificates: Certificates
) -> None:
    gateway = start_gateway("--create-assets", *certificates.options)
    assert "TAK gateway on tls" in "".join(gateway.log)

    certified = certificates.client(certificates.ca, gateway.port)
    certified.sendall(cot("Golf", 48.85, 2.35))  # before the reader: one thread per TLS socket
    watcher = TakClient(certified)
    follow_live(api, watcher)  # served: the assets come as they move
    wait_moved(api, "Golf", 48.85)  # and its CoT was taken

    refused(lambda: certificates.client(None, gateway.port))
    gateway.wait_logged("refused: TLS")
    refused(lambda: certificates.client(trustme.CA(), gateway.port))  # a foreign CA's
    refused(lambda: plain(gateway.port))
    watcher.close()


def pkcs12_files(ca: trustme.CA, directory: Path, password: bytes) -> tuple[str, ...]:
    """What a TAK Server data package holds: the gateway's certificate and key in one .p12
    and the CA in a trust store .p12, both under one password."""
    issued = ca.issue_cert("127.0.0.1")
    key = serialization.load_pem_private_key(issued.private_key_pem.bytes(), None)
    cert = x509.load_pem_x509_certificate(issued.cert_chain_pems[0].bytes())
    authority = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    encryption = serialization.BestAvailableEncryption(password)
    identity = directory / "gateway.p12"
    identity.write_bytes(
        pkcs12.serialize_key_and_certificates(b"gateway", key, cert, None, encryption)  # type: ignore[arg-type]
    )
    truststore = directory / "truststore-root.p12"
    truststore.write_bytes(
        pkcs12.serialize_key_and_certificates(b"ca", None, None, [authority], encryption)
    )
    return ("--tls-cert", str(identity), "--tls-ca", str(truststore))


def test_tls_from_a_tak_data_packages_p12_files(
    start_gateway: StartGateway, api: VtocClient, certificates: Certificates, tmp_path: Path
) -> None:
    options = pkcs12_files(certificates.ca, tmp_path, b"atakatak")
    gateway = start_gateway("--create-assets", *options, "--tls-password", "atakatak")

    certified = certificates.client(certificates.ca, gateway.port)
    certified.sendall(cot("Papa", 41.9, 12.5))
    watcher = TakClient(certified)
    follow_live(api, watcher)
    wait_moved(api, "Papa", 41.9)
    refused(lambda: certificates.client(trustme.CA(), gateway.port))  # the trust store decides
    watcher.close()


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("wrong", "gateway.p12: wrong password or not a PKCS#12 file"),
        (None, "gateway.p12: wrong password or not a PKCS#12 file (give --tls-password)"),
    ],
)
def test_a_p12_that_does_not_open_is_a_one_line_error(
    tmp_path: Path, password: str | None, error: str
) -> None:
    options = pkcs12_files(trustme.CA(), tmp_path, b"atakatak")
    given = ("--tls-password", password) if password else ()
    done = subprocess.run(
        [VTOC, "tak", "serve", *options, *given],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "VTOC_TAK_TLS_PASSWORD"},
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: TLS: cannot load the certificates: ")
    assert done.stderr.strip().endswith(error) and "\n" not in done.stderr.strip()


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (("--tls-key", "key.pem"), "--tls-key: needs --tls-cert"),
        (
            ("--tls-cert", "cert.pem", "--tls-key", "key.pem"),
            "--tls-ca: needed with --tls-cert (clients' certificates are checked against it)",
        ),
        (
            ("--allow", "10.0.0.0/33"),
            "--allow '10.0.0.0/33': not an address or network (e.g. 10.0.0.0/8)",
        ),
        (
            ("--tak-server", "udp://tak:8087"),
            "--tak-server 'udp://tak:8087': the scheme is tcp:// or tls://",
        ),
        (("--tak-server", "tak"), "--tak-server 'tak': give HOST:PORT (e.g. tak.example.org:8089)"),
    ],
)
def test_bad_options_are_a_one_line_error(options: tuple[str, ...], error: str) -> None:
    done = subprocess.run([VTOC, "tak", "serve", *options], capture_output=True, text=True)
    assert (done.returncode, done.stderr.strip()) == (2, f"error: {error}")


def test_a_pem_certificate_without_its_key_is_a_one_line_error(
    certificates: Certificates,
) -> None:
    options = list(certificates.options)
    del options[options.index("--tls-key") : options.index("--tls-key") + 2]
    done = subprocess.run([VTOC, "tak", "serve", *options], capture_output=True, text=True)
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "error: --tls-key: needed with a PEM --tls-cert (a .p12 holds its key)",
    )


def test_missing_certificate_files_are_a_one_line_error(tmp_path: Path) -> None:
    files = [str(tmp_path / name) for name in ("cert.pem", "key.pem", "ca.pem")]
    options = ("--tls-cert", files[0], "--tls-key", files[1], "--tls-ca", files[2])
    done = subprocess.run([VTOC, "tak", "serve", *options], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith("error: TLS: cannot load the certificates:")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("allowed", "host", "certified", "admitted"),
    [
        (None, "127.0.0.1", False, True),
        (None, "::1", False, True),
        (None, "::ffff:127.0.0.1", False, True),  # a dual-stack socket's IPv4 peer
        (None, "10.1.2.3", False, False),
        (None, "10.1.2.3", True, True),  # TLS checked its certificate
        (["10.0.0.0/8"], "10.1.2.3", False, True),
        (["10.0.0.0/8"], "127.0.0.1", False, False),  # a list replaces the default
        (["10.0.0.0/8"], "192.0.2.1", True, False),  # with TLS, both must hold
        (["fd00::/8"], "fd12::7", False, True),
        (None, "not-an-address", False, False),
    ],
)
def test_who_is_admitted(
    allowed: list[str] | None, host: str, certified: bool, admitted: bool
) -> None:
    networks = [network_of(text) for text in allowed] if allowed is not None else None
    assert admits(networks, host, certified=certified) is admitted


# The SA multicast group and a TAK server -------------------------------------------------


def test_the_sa_multicast_group_in_and_out(start_gateway: StartGateway, api: VtocClient) -> None:
    port = free_port()
    group = ("239.2.3.1", port)
    options = ("--multicast", "--multicast-interface", "127.0.0.1")
    gateway = start_gateway("--create-assets", *options, udp_port=port)
    watcher = TakClient(gateway.port)
    follow_live(api, watcher)

    member = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    member.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    member.bind(("", port))
    joined = struct.pack("4s4s", socket.inet_aton(group[0]), socket.inet_aton("127.0.0.1"))
    member.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, joined)
    member.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    member.settimeout(WAIT)

    member.sendto(cot("Hotel", 52.52, 13.4), group)
    watcher.wait_for("Hotel", 52.52)  # taken from the group
    while True:  # and sent back to it as vTOC's asset, past the test's own datagram
        event = ET.fromstring(member.recv(65536))
        if event.get("uid", "").startswith("vtoc-asset-"):
            contact = event.find("detail/contact")
            if contact is not None and contact.get("callsign") == "Hotel":
                break
    assert api.assets.get("Hotel").lat == pytest.approx(52.52)
    member.close()
    watcher.close()


def test_multicast_sends_that_fail_are_named_then_counted(api: VtocClient) -> None:
    at = datetime.now(UTC).isoformat()
    api.post_positions([{"asset": "Kilo", "at": at, "lat": 1.0, "lon": 2.0}], create_assets=True)
    kilo = api.assets.get("Kilo")
    log: list[str] = []

    async def send_twice_and_report() -> None:
        async with AsyncVtocClient(api.base_url, "unused") as unused:
            gateway = TakGateway(unused, log.append, assets={kilo.id: kilo})
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(
                lambda: Datagrams(gateway), local_addr=("127.0.0.1", 0)
            )
            # a broadcast address without SO_BROADCAST: the kernel refuses every send
            gateway.multicast = (transport, ("255.255.255.255", free_port()))
            for _ in range(3):
                gateway.send()
            gateway.report_udp_errors()
            gateway.report_udp_errors()  # nothing new: nothing said
            transport.close()

    asyncio.run(send_twice_and_report())
    assert log == [
        "warning: SA multicast: cannot send: [Errno 13] Permission denied",
        "warning: SA multicast: 2 sends failed since the last report, 3 in all"
        " (last: [Errno 13] Permission denied)",
    ]


def test_a_tak_server_gets_the_assets_and_is_reconnected(
    start_gateway: StartGateway, api: VtocClient
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as tak_server:
        tak_server.settimeout(WAIT)
        address = f"127.0.0.1:{tak_server.getsockname()[1]}"
        gateway = start_gateway("--create-assets", "--tak-server", address)

        first = TakClient(tak_server.accept()[0])
        follow_live(api, first)  # moves reach the TAK server as they happen
        first.send(cot("India", 35.68, 139.69))  # and what it relays comes in
        first.wait_for("India", 35.68)
        first.close()  # the TAK server goes away...

        gateway.wait_logged("connection closed; again in")
        second = TakClient(tak_server.accept()[0])  # ...and is connected again
        second.wait_for("India", 35.68)  # with every asset at once
        assert api.assets.get("India").lon == pytest.approx(139.69)
        second.close()


def test_a_tak_server_over_tls_sees_the_gateways_certificate(
    start_gateway: StartGateway, api: VtocClient, certificates: Certificates
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificates.ca.issue_cert("127.0.0.1").configure_cert(context)
    certificates.ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED  # as TAK Server does on 8089
    with socket.create_server(("127.0.0.1", 0)) as tak_server:
        tak_server.settimeout(WAIT)
        address = f"tls://127.0.0.1:{tak_server.getsockname()[1]}"
        start_gateway("--tak-server", address, *certificates.options)

        connection = context.wrap_socket(tak_server.accept()[0], server_side=True)
        assert connection.getpeercert() is not None  # the gateway showed its certificate
        follow_live(api, TakClient(connection))  # and the assets come over TLS
        connection.close()


def test_a_client_that_does_not_read_is_dropped_not_buffered(
    start_gateway: StartGateway, api: VtocClient
) -> None:
    at = datetime.now(UTC).isoformat()
    crowd = [{"asset": f"Crowd-{n}", "at": at, "lat": n / 1000, "lon": 2.0} for n in range(5000)]
    api.post_positions(crowd, create_assets=True)  # about 2 MB of CoT each time it is sent
    gateway = start_gateway("--refresh", "1")

    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # and it never reads
    stalled.connect(("127.0.0.1", gateway.port))
    gateway.wait_logged("not reading (over 1048576 bytes waiting); closed")

    watcher = TakClient(gateway.port)  # the gateway goes on serving the others
    follow_live(api, watcher)
    watcher.close()
    stalled.close()
