"""LISTEN for ``vtoc_events`` on one dedicated PostgreSQL connection per server process.

Every transaction that appends events sends ``NOTIFY vtoc_events`` (see
``vtoc.server.events``); PostgreSQL delivers it on commit to every listener, so each replica
wakes its own hub, which then reads the new rows from the table. A background thread waits on
the connection's socket with ``poll()``; when the connection drops it reconnects with
backoff and wakes the hub once, since notifications sent meanwhile were lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from vtoc.server.events import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

#: with no notification for this long, check that the connection is still alive
IDLE_CHECK_SECONDS = 15.0
MAX_BACKOFF_SECONDS = 5.0
#: how long stopping waits for the thread
STOP_SECONDS = 5.0


class PgListener:
    """Calls ``wake`` (from its own thread) whenever events were committed anywhere."""

    def __init__(self, engine: Engine, wake: Callable[[], None]) -> None:
        self.engine = engine
        self.wake = wake
        self._stop_r, self._stop_w = os.pipe()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vtoc-pg-listener", daemon=True)
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Tell the thread to stop and wait for it a bounded time (a connection attempt to an
        unreachable database may block longer; the thread is a daemon). The thread closes
        its end of the pipe itself: closed under it, the number could name another file."""
        self._stopping.set()
        with contextlib.suppress(OSError):  # the thread already left, closing its end
            os.write(self._stop_w, b"x")
        os.close(self._stop_w)
        self._thread.join(timeout=STOP_SECONDS)

    def _connect(self) -> Any:
        """A connection outside the pool: it is held for the life of the process."""
        dialect = self.engine.dialect
        args, kwargs = dialect.create_connect_args(self.engine.url)
        conn: Any = dialect.connect(*args, **kwargs)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return conn

    def _run(self) -> None:
        try:
            self._follow()
        finally:
            os.close(self._stop_r)

    def _follow(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
            conn = None
            try:
                conn = self._connect()
                self.connected.set()
                backoff = 0.1
                self.wake()  # anything committed while we were not listening
                self._listen(conn)
            except Exception as exc:  # a lost or refused connection: retry with backoff
                log.warning("event listener lost PostgreSQL (%s); reconnecting", exc)
                self.connected.clear()
                if self._wait_stop(backoff):
                    return
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
            finally:
                if conn is not None:
                    conn.close()

    def _listen(self, conn: Any) -> None:
        # poll, not select: a busy server's descriptors go past select's 1024
        poll = select.poll()
        poll.register(conn.fileno(), select.POLLIN)
        poll.register(self._stop_r, select.POLLIN)
        while True:
            ready = {fd for fd, _ in poll.poll(IDLE_CHECK_SECONDS * 1000)}
            if self._stop_r in ready:
                return
            if not ready:
                with conn.cursor() as cursor:  # raises if the server went away silently
                    cursor.execute("SELECT 1")
            conn.poll()
            if conn.notifies:
                conn.notifies.clear()
                self.wake()

    def _wait_stop(self, seconds: float) -> bool:
        poll = select.poll()
        poll.register(self._stop_r, select.POLLIN)
        return bool(poll.poll(seconds * 1000))
