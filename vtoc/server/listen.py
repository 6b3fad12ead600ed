"""One listening socket per worker process on the same port (``SO_REUSEPORT``).

Stock uvicorn binds one socket for all its workers, which costs twice:
- it creates it without ``IPPROTO_TCP``, so asyncio never sets ``TCP_NODELAY`` on the
  accepted connections, and every answer after the first on a kept-alive connection waits
  ~40 ms for the client's delayed ACK (uvicorn issue 3149);
- whichever worker wakes first accepts the whole queue, so a client pool that opens its
  connections at once (Traefik, a load generator) lands on one worker while the rest idle.
With a TCP socket of its own in every worker, asyncio sets ``TCP_NODELAY`` and the kernel
spreads new connections over the workers.
"""

from __future__ import annotations

import socket
from typing import Any


def reuse_port_socket(family: socket.AddressFamily, host: str, port: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class SharedPort(socket.socket):
    """The parent's bound (never listening) socket: it holds the port and fails early when the
    port is taken. Handed to a worker process (pickled), it becomes a new socket of the
    worker's own bound to the same port, which the worker listens on."""

    def __reduce__(self) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (reuse_port_socket, (self.family, host, port))


def shared_port(host: str, port: int) -> SharedPort:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = SharedPort(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock
