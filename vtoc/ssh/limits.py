"""What one SSH server lets its clients use: sessions per key and in all, and the pace of
failed logins from one address. Plain bookkeeping, with the clock passed in, so its rules
are tested without waiting."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SessionLimits:
    """Counts open sessions; ``admit`` says why a new one is refused, or takes a place."""

    total: int = 50
    per_key: int = 5
    open: Counter[str] = field(default_factory=Counter)

    def admit(self, key: str) -> str | None:
        if sum(self.open.values()) >= self.total:
            return f"the server has its {self.total} sessions open"
        if self.open[key] >= self.per_key:
            return f"this key has its {self.per_key} sessions open"
        self.open[key] += 1
        return None

    def release(self, key: str) -> None:
        self.open[key] -= 1
        if self.open[key] <= 0:
            del self.open[key]


@dataclass
class Throttle:
    """Failed logins from one address: the first ``free`` cost nothing, then each waits
    twice as long as the one before, up to ``longest`` seconds. An address is forgiven
    after ``forget_after`` seconds without a failure, or at its first success."""

    free: int = 3
    first_delay: float = 1.0
    longest: float = 30.0
    forget_after: float = 600.0
    clock: Callable[[], float] = time.monotonic
    failures: dict[str, tuple[int, float]] = field(default_factory=dict)

    def delay(self, address: str) -> float:
        """How long to hold an attempt from ``address`` before answering it."""
        count, last = self.failures.get(address, (0, 0.0))
        if count == 0 or self.clock() - last > self.forget_after:
            self.failures.pop(address, None)
            return 0.0
        if count < self.free:
            return 0.0
        return float(min(self.first_delay * 2 ** (count - self.free), self.longest))

    def failed(self, address: str) -> None:
        count, last = self.failures.get(address, (0, 0.0))
        if self.clock() - last > self.forget_after:
            count = 0
        self.failures[address] = (count + 1, self.clock())
        if len(self.failures) > 10000:  # a scan from many addresses: keep the newest
            oldest = sorted(self.failures, key=lambda a: self.failures[a][1])[:5000]
            for gone in oldest:
                del self.failures[gone]

    def succeeded(self, address: str) -> None:
        self.failures.pop(address, None)
