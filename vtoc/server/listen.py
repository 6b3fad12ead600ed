"""One listening socket for all worker processes; a new connection goes to the worker that
holds the fewest.

How workers usually split connections, and why vTOC does not leave it at that:
- Stock uvicorn shares one socket created without ``IPPROTO_TCP``, so asyncio never sets
  ``TCP_NODELAY`` on the accepted connections, and every answer after the first on a
  kept-alive connection waits ~40 ms for the client's delayed ACK (uvicorn issue 3149).
  Ours is a TCP socket, so asyncio sets it.
- On a shared socket, every idle worker wakes for a new connection and the first to run
  takes it; with ``SO_REUSEPORT`` sockets the kernel hashes each connection to a worker.
  Either way a worker keeps a connection for its life, and a few kept-alive clients (two
  Wazuh managers and n8n, Traefik's pool, a bench's senders) often all sit on one worker
  while the other idles: four ingest senders landed 4:0 in most runs, up to a third
  slower than 3:1.

So each worker counts its open connections in memory the workers share (``Tally``):
- a worker that holds more than another leaves a new connection to it, and takes it
  anyway after ``HANDOVER`` if the other does not (busy, stuck or gone);
- a worker that holds two more than another answers with ``Connection: close``
  (``shed_now``), and the client's next request reconnects to the other: connections
  opened while a worker was still starting, or stopped, spread out again.

The workers run on uvloop (``BalancedLoop``): libuv would accept from the listener by
itself, so the listener is served by ``Acceptor``, which calls ``Listener.accept`` and hands
each connection to uvloop; uvloop detaches the connection's socket when it closes it.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import select
import socket
import time
from collections.abc import Callable
from multiprocessing import reduction
from multiprocessing.sharedctypes import RawArray
from typing import Any

import uvloop

#: how long a worker holding more connections leaves a new one to a worker holding fewer
HANDOVER = 0.005
#: how often it looks whether the other worker took the connection meanwhile
GLANCE = 0.0002
#: a crowded worker closes at most one kept-alive connection per this many seconds
SHED_PAUSE = 0.1


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Tally:
    """Open connections per worker process: slots of (pid, count) in shared memory.

    A worker takes a slot as its app starts (``serving``): a free one, or one whose process
    is gone (uvicorn replaces a worker that died). Only the slot's own worker writes its
    count.
    """

    def __init__(self, slots: int, cells: Any = None, claiming: Any = None) -> None:
        self.cells = RawArray(ctypes.c_long, 2 * slots) if cells is None else cells
        # uvicorn starts its workers with "spawn"; a lock of another context cannot travel
        self.claiming = (
            multiprocessing.get_context("spawn").Lock() if claiming is None else claiming
        )
        self.slot: int | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Tally, (len(self.cells) // 2, self.cells, self.claiming))

    def mine(self) -> int:
        if self.slot is None:
            with self.claiming:
                for slot in range(len(self.cells) // 2):
                    pid = self.cells[2 * slot]
                    if pid == 0 or not alive(pid):
                        self.cells[2 * slot], self.cells[2 * slot + 1] = os.getpid(), 0
                        self.slot = slot
                        break
                else:
                    raise RuntimeError("more worker processes than connection tally slots")
        return self.slot

    def add(self, change: int) -> None:
        self.cells[2 * self.mine() + 1] += change

    def crowded(self) -> bool:
        """This worker holds two or more connections than another."""
        held = self.cells[2 * self.mine() + 1]
        return any(
            self.cells[2 * slot] and self.cells[2 * slot + 1] <= held - 2
            for slot in range(len(self.cells) // 2)
        )

    def fewer_elsewhere(self) -> list[int]:
        """The slots of workers holding fewer connections than this one."""
        mine = self.mine()
        held = self.cells[2 * mine + 1]
        return [
            slot
            for slot in range(len(self.cells) // 2)
            if slot != mine and self.cells[2 * slot] and self.cells[2 * slot + 1] < held
        ]

    def forget_gone(self, slots: list[int]) -> None:
        """Free the slots of workers that died holding few connections: nobody waits for them
        again."""
        with self.claiming:
            for slot in slots:
                pid = self.cells[2 * slot]
                if pid and not alive(pid):
                    self.cells[2 * slot] = 0


class Connection(socket.socket):
    """An accepted connection that leaves the tally when closed (asyncio closes it) or
    detached (uvloop closes the descriptor itself and detaches the socket)."""

    tally: Tally

    def close(self) -> None:
        self.leave()
        super().close()

    def detach(self) -> int:
        self.leave()
        return super().detach()

    def leave(self) -> None:
        if not self._closed:  # type: ignore[attr-defined]
            self.tally.add(-1)


class Listener(socket.socket):
    """The listening socket every worker serves. Pickled into a worker process it stays the
    same socket (its descriptor travels), with the same tally."""

    tally: Tally

    def __reduce__(self) -> tuple[Any, ...]:
        descriptor = reduction.DupFd(self.fileno())  # type: ignore[no-untyped-call]
        return (rebuild, (descriptor, self.family, self.type, self.proto, self.tally))

    def accept(self) -> tuple[socket.socket, Any]:
        """asyncio calls this when the socket is readable; BlockingIOError means "nothing"."""
        self.leave_to_fewer()
        fd, address = self._accept()  # type: ignore[attr-defined]
        connection = Connection(self.family, self.type, self.proto, fileno=fd)
        connection.tally = self.tally
        self.tally.add(1)
        return connection, address

    def leave_to_fewer(self) -> None:
        """Wait while a worker holding fewer connections may take the pending one."""
        deadline = time.monotonic() + HANDOVER
        while fewer := self.tally.fewer_elsewhere():
            if time.monotonic() >= deadline:
                self.tally.forget_gone(fewer)
                return
            time.sleep(GLANCE)
            if not pending(self):
                raise BlockingIOError("another worker took the connection")


def pending(listener: socket.socket) -> bool:
    poll = select.poll()
    poll.register(listener, select.POLLIN)
    return bool(poll.poll(0))


#: this worker process's tally, when it serves a shared listener
_tally: Tally | None = None


def rebuild(
    descriptor: Any, family: socket.AddressFamily, kind: socket.SocketKind, proto: int, tally: Tally
) -> Listener:
    global _tally
    listener = Listener(family, kind, proto, fileno=descriptor.detach())
    listener.tally = _tally = tally
    return listener


def serving() -> None:
    """Called as the app starts: from now on the other workers count on this one (a worker
    still loading its app must not be left connections, nor have them shed to it)."""
    if _tally is not None:
        _tally.mine()


#: when this worker may next shed a connection (``shed_now``)
_next_shed = 0.0


def shed_now() -> bool:
    """Whether this answer should carry ``Connection: close``: while this worker holds two
    more connections than another, the client's next request opens a new one, which
    ``Listener`` gives to a worker holding fewer. HTTP clients reconnect by themselves
    (RFC 9112 §9.6).

    At most one connection per ``SHED_PAUSE``: a shed client only reconnects at its next
    request, and until then the counts still show the imbalance it will undo.
    """
    global _next_shed
    if _tally is None:
        return False
    now = time.monotonic()
    if now < _next_shed or not _tally.crowded():
        return False
    _next_shed = now + SHED_PAUSE
    return True


def shared_port(host: str, port: int, workers: int) -> Listener:
    """The parent's bound socket (the workers listen on it): it holds the port and fails
    early when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = Listener(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    # a replaced worker may briefly overlap the one it replaces
    listener.tally = Tally(2 * workers)
    return listener


#: how long an acceptor that ran out of descriptors (EMFILE) waits before accepting again
ACCEPT_PAUSE = 1.0

log = logging.getLogger(__name__)


class Acceptor:
    """Serves a ``Listener`` on a uvloop loop as ``loop.create_server`` would: on each wake-up
    it accepts through ``Listener.accept`` (which leaves a connection to a worker holding
    fewer) and hands the connection to ``loop.connect_accepted_socket``. uvicorn closes it as
    it closes a server (``close``, ``wait_closed``)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        listener: Listener,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        backlog: int,
        ssl: Any,
    ) -> None:
        self.loop, self.listener, self.protocol_factory = loop, listener, protocol_factory
        self.backlog, self.ssl = backlog, ssl
        self.sockets = [listener]
        listener.setblocking(False)
        listener.listen(backlog)
        self.resume()

    def resume(self) -> None:
        self.loop.add_reader(self.listener.fileno(), self.accept)

    def accept(self) -> None:
        # as asyncio's own server: at most a backlog's worth of connections per wake-up
        for _ in range(self.backlog):
            try:
                connection, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:  # out of descriptors or buffers: pause, as asyncio does
                log.error("cannot accept a connection, pausing for %s s: %s", ACCEPT_PAUSE, exc)
                self.loop.remove_reader(self.listener.fileno())
                self.loop.call_later(ACCEPT_PAUSE, self.resume)
                return
            self.loop.create_task(self.serve(connection))

    async def serve(self, connection: socket.socket) -> None:
        try:
            await self.loop.connect_accepted_socket(self.protocol_factory, connection, ssl=self.ssl)
        except OSError:  # the client left before its transport was set up
            connection.close()

    def close(self) -> None:
        self.loop.remove_reader(self.listener.fileno())

    async def wait_closed(self) -> None:
        """Nothing to wait for: uvicorn closes the connections themselves."""


class BalancedLoop(uvloop.Loop):  # type: ignore[misc]
    """uvloop, serving a shared ``Listener`` through ``Acceptor``: the workers' loop
    (``uvicorn.Config(loop="vtoc.server.listen:BalancedLoop")``, a loop factory)."""

    async def create_server(self, protocol_factory: Any, *args: Any, **kwargs: Any) -> Any:
        sock = kwargs.get("sock")
        if isinstance(sock, Listener):
            backlog = kwargs.get("backlog") or 100
            return Acceptor(self, sock, protocol_factory, backlog, kwargs.get("ssl"))
        return await super().create_server(protocol_factory, *args, **kwargs)
