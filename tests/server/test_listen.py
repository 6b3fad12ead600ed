"""The shared listener on the workers' uvloop loop: connections are counted as they open and
as uvloop closes them (it detaches their sockets), and each is served by the protocol."""

from __future__ import annotations

import asyncio

from vtoc.server import listen


class Echo(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[attr-defined]
        self.transport.close()


def test_a_balanced_uvloop_server_counts_its_connections_open_and_closed() -> None:
    listener = listen.shared_port("127.0.0.1", 0, workers=1)
    tally = listener.tally
    port = listener.getsockname()[1]

    async def main() -> list[int]:
        async with asyncio.timeout(30):  # only a hang's bound: a missed close never arrives
            return await serve()

    async def serve() -> list[int]:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Echo, sock=listener, backlog=16)
        counts = []
        clients = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        while tally.cells[1] < 3:  # accepted as the loop gets to them
            await asyncio.sleep(0.01)
        counts.append(tally.cells[1])
        for reader, writer in clients:
            writer.write(b"ping")
            assert await reader.read() == b"ping"  # answered, then closed by the server
            writer.close()
        while tally.cells[1] > 0:
            await asyncio.sleep(0.01)
        counts.append(tally.cells[1])
        server.close()
        await server.wait_closed()
        return counts

    runner = asyncio.Runner(loop_factory=listen.BalancedLoop)
    try:
        assert runner.run(main()) == [3, 0]
    finally:
        runner.close()
        listener.close()
