"""The server's own upkeep of tracks, for the life of the app: moves that waited for
their second are announced when it is over, and old tracks are thinned now and then.

Every server process runs one. Waiting moves are flagged in the database, so a process
that stopped leaves none behind: another process's sweep announces them. Thinning twice
at once is harmless (the second finds nothing to delete).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker

from vtoc.config import ServerSettings
from vtoc.server.db import utcnow
from vtoc.server.services.positions import flush_moves
from vtoc.server.services.tracks import thin_old_fixes

log = logging.getLogger(__name__)
#: how often a process looks for moves another process left waiting
SWEEP_SECONDS = 5.0


class TrackKeeper:
    def __init__(self, sessions: sessionmaker[Session], settings: ServerSettings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.wake = asyncio.Event()
        self.next_thinning = utcnow()
        self.thinned_until: datetime | None = None

    def moves_waiting(self) -> None:
        """A batch left moves waiting: look again now rather than at the next sweep."""
        self.wake.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        while True:
            wait = SWEEP_SECONDS
            try:
                due = await anyio.to_thread.run_sync(self.upkeep)
                if due is not None:
                    wait = min(wait, max(0.0, (due - utcnow()).total_seconds()))
            except Exception:  # the database away: the next sweep tries again
                log.exception("track upkeep failed")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), wait)

    def upkeep(self) -> datetime | None:
        """Announce the waiting moves that are due (and thin old tracks when it is time);
        returns when the next waiting move is due."""
        with self.sessions() as session:
            due = flush_moves(session)
            session.commit()
            if utcnow() >= self.next_thinning:
                self.thin(session)
            return due

    def thin(self, session: Session) -> None:
        settings = self.settings
        every = timedelta(seconds=settings.track_thin_every_seconds)
        self.next_thinning = utcnow() + every
        if settings.track_thin_after_days is None:
            return
        keep = timedelta(seconds=settings.track_keep_seconds)
        before = utcnow() - timedelta(days=settings.track_thin_after_days)
        deleted = thin_old_fixes(session, before=before, keep_every=keep, after=self.thinned_until)
        session.commit()
        # The next pass starts at the slot this one cut through, which is not done.
        seconds = keep.total_seconds()
        start = before.timestamp() // seconds * seconds
        self.thinned_until = datetime.fromtimestamp(start, tz=before.tzinfo)
        if deleted:
            log.info("thinned %d fixes taken before %s", deleted, before.isoformat())
