"""``vtoc tak serve``: TAK clients send CoT over TCP or UDP and get vTOC's assets back.

Fixes go to the API in batches as they come; every ``asset.moved`` on the event stream is
written at once to every connected TCP client, and every asset with a position is written
again each ``refresh`` so TAK clients never see it go stale (``stale`` is twice that).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, AuthError, Unavailable, VtocError
from vtoc.tak.cot import MAX_DOCUMENT, BadDocument, event_of, fix_of, parse, split

READ_CHUNK = 64 * 1024


@dataclass
class Gateway:
    api: AsyncVtocClient
    say: Callable[[str], None]
    create_assets: bool = False
    refresh: float = 60.0
    clients: set[asyncio.StreamWriter] = field(default_factory=set)
    assets: dict[int, s.Asset] = field(default_factory=dict)
    fixes: asyncio.Queue[s.FixIn] = field(default_factory=asyncio.Queue)

    # In -----------------------------------------------------------------------------------

    def take(self, document: bytes, peer: str) -> None:
        """Queue the fix in one document; a bad one is named and skipped."""
        try:
            self.fixes.put_nowait(fix_of(parse(document)))
        except BadDocument as exc:
            self.say(f"warning: {peer}: CoT document skipped: {exc}")

    async def on_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One TAK client: read its documents, send it every asset now and on each move.
        A document longer than ``MAX_DOCUMENT`` closes its connection (a stream cannot be
        resynchronised past it); only that client is affected."""
        host, port, *_ = writer.get_extra_info("peername")
        peer = f"{host}:{port}"
        self.clients.add(writer)
        self.write_all([writer])
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
            self.clients.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

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

    def write_all(self, to: list[asyncio.StreamWriter], only: list[s.Asset] | None = None) -> None:
        now = datetime.now(UTC)
        stale = timedelta(seconds=2 * self.refresh)
        chosen = self.assets.values() if only is None else only
        payload = b"".join(event_of(a, now, stale) for a in chosen if a.lat is not None)
        if payload:
            for writer in to:
                if not writer.is_closing():
                    writer.write(payload)

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
            self.write_all(list(self.clients), [moved])

    async def refresh_all(self) -> None:
        """Every asset again before it goes stale (and new names and kinds picked up)."""
        while True:
            found = [asset async for asset in self.api.assets.iterate(limit=500)]
            self.assets = {asset.id: asset for asset in found if asset.lat is not None}
            self.write_all(list(self.clients))
            await asyncio.sleep(self.refresh)


class Datagrams(asyncio.DatagramProtocol):
    """CoT over UDP: each datagram holds whole documents (TAK's SA broadcast)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        buffer = bytearray(data)
        for document in split(buffer):
            self.gateway.take(document, f"udp {addr[0]}:{addr[1]}")


async def serve(
    gateway: Gateway, host: str, port: int, udp_port: int | None, ready: Callable[[], None]
) -> None:
    server = await asyncio.start_server(gateway.on_tcp, host, port, limit=MAX_DOCUMENT)
    loop = asyncio.get_running_loop()
    if udp_port is not None:
        await loop.create_datagram_endpoint(lambda: Datagrams(gateway), local_addr=(host, udp_port))
    tasks = [
        asyncio.create_task(job())
        for job in (gateway.post_fixes, gateway.follow_moves, gateway.refresh_all)
    ]
    ready()
    async with server:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if (exc := task.exception()) is not None and isinstance(exc, VtocError):
                raise exc
            task.result()
