"""The SSH server's bookkeeping of sessions and failed logins, on a clock the test turns."""

from __future__ import annotations

from vtoc.ssh.limits import SessionLimits, Throttle


def test_sessions_are_limited_per_key_and_in_all() -> None:
    limits = SessionLimits(total=3, per_key=2)
    assert limits.admit("alice") is None and limits.admit("alice") is None
    assert limits.admit("alice") == "this key has its 2 sessions open"
    assert limits.admit("bob") is None
    assert limits.admit("carol") == "the server has its 3 sessions open"
    limits.release("alice")
    assert limits.admit("carol") is None
    assert limits.admit("alice") == "the server has its 3 sessions open"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failed_logins_from_one_address_wait_longer_each_time() -> None:
    clock = Clock()
    throttle = Throttle(free=2, first_delay=1, longest=8, forget_after=60, clock=clock)
    delays = []
    for _ in range(7):
        delays.append(throttle.delay("198.51.100.1"))
        throttle.failed("198.51.100.1")
    assert delays == [0, 0, 1, 2, 4, 8, 8]
    assert throttle.delay("198.51.100.2") == 0, "other addresses are not slowed"

    clock.now += 61
    assert throttle.delay("198.51.100.1") == 0, "forgiven after a quiet minute"
    for _ in range(2):
        throttle.failed("198.51.100.1")
    assert throttle.delay("198.51.100.1") == 1
    throttle.succeeded("198.51.100.1")
    assert throttle.delay("198.51.100.1") == 0, "and at the first success"
