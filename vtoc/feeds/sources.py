"""Where a live feed's bytes come from besides files and pipes: a serial device that may
go away and come back, and UDP datagrams (an AIS receiver's output)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

RETRY_SECONDS = 1.0


def device_reader(path: str, baud: int, say: Callable[[str], None]) -> Callable[[], bytes]:
    """A read of the serial device at ``path`` that outlives the device: unplugged (or a
    dropped link), it is opened again every second until it is back. Never ends."""
    import serial

    port: serial.Serial | None = None
    lost = False

    def read() -> bytes:
        nonlocal port, lost
        while True:
            if port is None:
                try:
                    port = serial.Serial(path, baud, timeout=1)
                except (serial.SerialException, OSError) as exc:
                    if not lost:
                        say(f"{path}: cannot open ({exc}); retrying every second")
                        lost = True
                    time.sleep(RETRY_SECONDS)
                    continue
                if lost:
                    say(f"{path}: back")
                    lost = False
            try:
                chunk = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError) as exc:
                port.close()
                port = None
                say(f"{path}: lost ({exc}); retrying every second")
                lost = True
                continue
            if chunk:
                return bytes(chunk)

    return read


def udp_reader(url: str) -> Callable[[], bytes]:
    """Datagrams sent to ``udp://HOST:PORT`` (bound here), each ending in a newline."""
    where = urlsplit(url)
    if where.scheme != "udp" or where.port is None:
        raise ValueError(f"{url!r} is not udp://HOST:PORT")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((where.hostname or "0.0.0.0", where.port))

    def read() -> bytes:
        data = sock.recv(65535)
        return data if data.endswith(b"\n") else data + b"\n"

    return read
