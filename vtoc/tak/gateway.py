"""``vtoc tak serve``: TAK clients send CoT over TCP, TLS or UDP and get vTOC's assets back.

Fixes go to the API in batches as they come; every ``asset.moved`` on the event stream is
written at once to every connected client (and the SA multicast group and the TAK server
when configured), and every asset with a position is written again each ``refresh`` so TAK
clients never see it go stale (``stale`` is twice that).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, AuthError, Unavailable, VtocError
from vtoc.tak.cot import MAX_DOCUMENT, OWN_UID, BadDocument, event_of, fix_of, parse, split
from vtoc.tak.trust import Network, admits

READ_CHUNK = 64 * 1024
#: TAK's situational-awareness multicast group (ATAK's default "SA Multicast")
SA_GROUP = "239.2.3.1"
HANDSHAKE_TIMEOUT = 10.0
#: CoT waiting for a client that does not read; past it the client is dropped, not buffered
MAX_BACKLOG = 1024 * 1024
#: waits between attempts to reach the TAK server: doubling from the first to the last
BACKOFF_FIRST, BACKOFF_LAST = 1.0, 60.0


@dataclass
class Gateway:
    api: AsyncVtocClient
    say: Callable[[str], None]
    create_assets: bool = False
    refresh: float = 60.0
    #: networks whose peers are admitted; none: loopback, and certified peers under TLS
    allowed: list[Network] | None = None
    tls: ssl.SSLContext | None = None
    #: every connected stream (TAK clients and the TAK server) and its peer's name
    clients: dict[asyncio.StreamWriter, str] = field(default_factory=dict)
    assets: dict[int, s.Asset] = field(default_factory=dict)
    fixes: asyncio.Queue[s.FixIn] = field(default_factory=asyncio.Queue)
    multicast: tuple[asyncio.DatagramTransport, tuple[str, int]] | None = None
    #: UDP sends that failed (the SA group unreachable, no route, a full buffer): in all,
    #: and since the last report (the first is named at once, the rest each refresh)
    udp_errors: int = 0
    udp_errors_unreported: int = 0
    last_udp_error: str = ""

    # In -----------------------------------------------------------------------------------

    def take(self, document: bytes, peer: str) -> None:
        """Queue the fix in one document; a bad one is named and skipped, our own assets
        coming back (the multicast group loops them back) are left out."""
        try:
            event = parse(document)
            if event.get("uid", "").startswith(OWN_UID):
                return
            self.fixes.put_nowait(fix_of(event))
        except BadDocument as exc:
            self.say(f"warning: {peer}: CoT document skipped: {exc}")

    def admits(self, host: str, *, certified: bool) -> bool:
        return admits(self.allowed, host, certified=certified)

    async def on_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One TAK client, admitted by its address and, under TLS, its certificate."""
        host, port, *_ = writer.get_extra_info("peername")
        peer = f"{host}:{port}"
        if not self.admits(host, certified=self.tls is not None):
            self.say(f"warning: {peer}: refused: not in the allow-list (--allow)")
            await hang_up(writer)
            return
        if self.tls is not None:
            try:
                await writer.start_tls(self.tls, ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
            except (ssl.SSLError, ConnectionError, OSError, TimeoutError) as exc:
                reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
                self.say(f"warning: {peer}: refused: TLS: {reason}")
                await hang_up(writer)
                return
        await self.converse(reader, writer, peer)

    async def converse(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str
    ) -> None:
        """Read a peer's documents; send it every asset now and on each move. A document
        longer than ``MAX_DOCUMENT`` closes its connection (a stream cannot be resynchronised
        past it); only that peer is affected."""
        self.clients[writer] = peer
        self.send(to=[writer])
        buffer = bytearray()
        try:
            while chunk := await reader.read(READ_CHUNK):
                buffer += chunk
                for document in split(buffer):
                    self.take(document, peer)
                if len(buffer) > MAX_DOCUMENT:
                    self.say(f"warning: {peer}: a CoT document over {MAX_DOCUMENT} bytes; closed")
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            self.clients.pop(writer, None)
            await hang_up(writer)

    async def post_fixes(self) -> None:
        """Send what has queued as one batch; an API that is away is waited for."""
        while True:
            batch = [await self.fixes.get()]
            while not self.fixes.empty() and len(batch) < 1000:
                batch.append(self.fixes.get_nowait())
            result = None
            while result is None:
                try:
                    result = await self.api.post_positions(batch, create_assets=self.create_assets)
                except Unavailable as exc:
                    self.say(f"warning: {exc.message}; retrying in 1 s")
                    await asyncio.sleep(1)
                except AuthError:
                    raise
                except VtocError as exc:  # one refused batch must not end the gateway
                    self.say(f"warning: {len(batch)} fixes refused: {exc.message}")
                    break
            for rejected in result.rejected if result else []:
                self.say(f"warning: fix for {batch[rejected.index].asset!r}: {rejected.error}")

    # Out ----------------------------------------------------------------------------------

    def send(
        self, only: list[s.Asset] | None = None, to: list[asyncio.StreamWriter] | None = None
    ) -> None:
        """The assets (``only`` these, else all) as CoT to ``to``, else to every stream
        and the multicast group (one event per datagram, as TAK sends them)."""
        now = datetime.now(UTC)
        stale = timedelta(seconds=2 * self.refresh)
        chosen = self.assets.values() if only is None else only
        events = [event_of(a, now, stale) for a in chosen if a.lat is not None]
        if not events:
            return
        payload = b"".join(events)
        for writer in list(self.clients) if to is None else to:
            if writer.is_closing():
                continue
            if writer.transport.get_write_buffer_size() > MAX_BACKLOG:
                peer = self.clients.get(writer, "a client")
                self.say(f"warning: {peer}: not reading (over {MAX_BACKLOG} bytes waiting); closed")
                writer.transport.abort()  # its reader ends, and the client with it
                continue
            writer.write(payload)
        if to is None and self.multicast is not None:
            transport, group = self.multicast
            for event in events:
                transport.sendto(event, group)

    def udp_failed(self, exc: Exception) -> None:
        """A datagram the kernel would not send: named the first time, counted after."""
        self.udp_errors += 1
        self.last_udp_error = str(exc) or type(exc).__name__
        if self.udp_errors == 1:
            self.say(f"warning: SA multicast: cannot send: {self.last_udp_error}")
        else:
            self.udp_errors_unreported += 1

    def report_udp_errors(self) -> None:
        """How many sends failed since the last report, if any (once a refresh, so a group
        that stays unreachable is one line a minute, not one per asset)."""
        if self.udp_errors_unreported:
            self.say(
                f"warning: SA multicast: {self.udp_errors_unreported} sends failed since the"
                f" last report, {self.udp_errors} in all (last: {self.last_udp_error})"
            )
            self.udp_errors_unreported = 0

    async def follow_moves(self) -> None:
        async for event in self.api.stream_events(kinds=["asset.moved"]):
            data = event.data or {}
            asset_id = data.get("id")
            if not isinstance(asset_id, int):
                continue
            known = self.assets.get(asset_id)
            if known is None:
                known = await self.api.assets.get(asset_id)
            moved = known.model_copy(update={"lat": data.get("lat"), "lon": data.get("lon")})
            self.assets[asset_id] = moved
            self.send([moved])

    async def refresh_all(self) -> None:
        """Every asset again before it goes stale (and new names and kinds picked up)."""
        while True:
            found = [asset async for asset in self.api.assets.iterate(limit=500)]
            self.assets = {asset.id: asset for asset in found if asset.lat is not None}
            self.send()
            self.report_udp_errors()
            await asyncio.sleep(self.refresh)

    async def uplink(self, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        """Stay connected to a TAK server as one of its clients: it gets every asset like a
        connected client does, and what it relays comes in as fixes. A refused or dropped
        connection is tried again after a wait that doubles up to ``BACKOFF_LAST`` (and
        starts over once a connection has lasted that long)."""
        server = f"TAK server {host}:{port}"
        loop = asyncio.get_running_loop()
        wait = BACKOFF_FIRST
        while True:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port, ssl=tls, limit=MAX_DOCUMENT),
                    HANDSHAKE_TIMEOUT,
                )
            except (OSError, TimeoutError) as exc:
                reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
                self.say(f"warning: {server}: {reason or type(exc).__name__}; again in {wait:g} s")
            else:
                self.say(f"connected to {server}")
                since = loop.time()
                await self.converse(reader, writer, server)
                if loop.time() - since >= BACKOFF_LAST:
                    wait = BACKOFF_FIRST
                self.say(f"warning: {server}: connection closed; again in {wait:g} s")
            await asyncio.sleep(wait)
            wait = min(2 * wait, BACKOFF_LAST)


async def hang_up(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError, OSError, ssl.SSLError):
        await writer.wait_closed()


class Datagrams(asyncio.DatagramProtocol):
    """CoT over UDP: each datagram holds whole documents (TAK's SA broadcast). There is no
    certificate to show, so only the allow-list admits a sender; each refused address is
    named once."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.refused: set[str] = set()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        host = str(addr[0])
        if not self.gateway.admits(host, certified=False):
            if host not in self.refused:
                self.refused.add(host)
                self.gateway.say(f"warning: udp {host}: refused: not in the allow-list (--allow)")
            return
        buffer = bytearray(data)
        for document in split(buffer):
            self.gateway.take(document, f"udp {host}:{addr[1]}")

    def error_received(self, exc: Exception) -> None:
        """asyncio's report of a ``sendto`` the kernel refused (it raises nothing)."""
        self.gateway.udp_failed(exc)


def multicast_socket(port: int, interface: str) -> socket.socket:
    """A UDP socket in TAK's SA group on ``interface`` (an address of it; 0.0.0.0 lets the
    kernel choose), bound to every address as multicast needs; it sends to the group too."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ATAK on the same host
    sock.bind(("", port))
    membership = struct.pack("4s4s", socket.inet_aton(SA_GROUP), socket.inet_aton(interface))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface))
    return sock


@dataclass
class Listen:
    """Where the gateway listens and whom it reaches."""

    host: str
    port: int
    udp_port: int | None
    multicast_interface: str | None = None  # none: not in the SA group
    tak_server: tuple[str, int, ssl.SSLContext | None] | None = None


async def serve(gateway: Gateway, listen: Listen, ready: Callable[[], None]) -> None:
    server = await asyncio.start_server(
        gateway.on_tcp, listen.host, listen.port, limit=MAX_DOCUMENT
    )
    loop = asyncio.get_running_loop()
    if listen.multicast_interface is not None and listen.udp_port is not None:
        sock = multicast_socket(listen.udp_port, listen.multicast_interface)
        transport, _ = await loop.create_datagram_endpoint(lambda: Datagrams(gateway), sock=sock)
        gateway.multicast = (transport, (SA_GROUP, listen.udp_port))
    elif listen.udp_port is not None:
        await loop.create_datagram_endpoint(
            lambda: Datagrams(gateway), local_addr=(listen.host, listen.udp_port)
        )
    jobs = [gateway.post_fixes(), gateway.follow_moves(), gateway.refresh_all()]
    if listen.tak_server is not None:
        jobs.append(gateway.uplink(*listen.tak_server))
    tasks = [asyncio.create_task(job) for job in jobs]
    ready()
    async with server:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if (exc := task.exception()) is not None and isinstance(exc, VtocError):
                raise exc
            task.result()
