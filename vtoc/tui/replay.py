"""A period watched again: every asset's fixes over it, in time order, handed out as a
clock running ``speed`` times faster than the wall's reaches them."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient

#: tracks fetched at once
PARALLEL = 8
#: the most fixes one asset's track brings (the server thins it keeping its shape)
MAX_POINTS = 2000


@dataclass
class Replay:
    since: datetime
    until: datetime
    speed: float
    #: (time, asset id, fix), oldest first
    fixes: list[tuple[datetime, int, s.Fix]] = field(default_factory=list)
    started: float | None = None
    played: int = 0

    async def load(self, client: AsyncVtocClient, assets: list[s.Asset]) -> None:
        """Every asset's track over the period (assets without a fix in it bring none)."""
        gate = asyncio.Semaphore(PARALLEL)
        query = s.TrackQuery(since=self.since, until=self.until, max_points=MAX_POINTS)

        async def track(asset: s.Asset) -> s.Track:
            async with gate:
                return await client.track(asset.id, query)

        tracks = await asyncio.gather(*(track(a) for a in assets))
        self.fixes = sorted(
            ((fix.at, t.asset_id, fix) for t in tracks for fix in t.fixes),
            key=lambda each: each[0],
        )

    def now(self) -> datetime:
        """Where the replay's clock stands (at ``since`` until it starts)."""
        if self.started is None:
            return self.since
        elapsed = (time.monotonic() - self.started) * self.speed
        return min(self.since + timedelta(seconds=elapsed), self.until)

    def due(self) -> list[tuple[datetime, int, s.Fix]]:
        """The fixes the clock has reached since the last call; the clock starts at the
        first call."""
        if self.started is None:
            self.started = time.monotonic()
        now = self.now()
        start = self.played
        while self.played < len(self.fixes) and self.fixes[self.played][0] <= now:
            self.played += 1
        return self.fixes[start : self.played]

    @property
    def done(self) -> bool:
        return self.played >= len(self.fixes) and self.now() >= self.until
