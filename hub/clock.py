"""The hub's time, injectable. Every domain decision that reads "now" (a job falls due, a
scheduled story is handed over, an embargo ends, a lock or an assignment runs out, a 问政
deadline passes) reads it through `hub.ids.now_ms`, which asks the clock installed here.

The running hub keeps the wall clock. Tests install a `SteppedClock` (the `clock` fixture
in tests/conftest.py) and move it forward instead of sleeping until a time comes: the
worker then finds the job due at once, however slow the machine is.

What stays on the wall, on purpose: times another party checks with its own clock (a
token's or a signed URL's expiry verified by a library or a partner, a webhook
signature's timestamp, a platform's access-token lifetime) and the process's own timing
(timeouts, retry back-off, lease heart-beats, monotonic budgets).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class WallClock:
    """The system's wall clock, in integer milliseconds since the epoch."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class SteppedClock:
    """The wall clock moved forward by the steps it was told to take. Time still passes
    between steps (leases, expiries and waits in the running hub behave as usual) and it
    never goes back, so whatever reads it twice sees time as it really passes."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset_ms

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("a clock moves forward only")
        self.offset_ms += ms

    def advance_to(self, at_ms: int) -> None:
        """Move forward to `at_ms` (nothing to do if that time has passed)."""
        self.advance(max(0, at_ms - self.now_ms()))


WALL = WallClock()
_installed: Clock = WALL


def now_ms() -> int:
    """The installed clock's time in integer milliseconds (the wall clock unless a test or
    a replay installed another)."""
    return _installed.now_ms()


def installed() -> Clock:
    return _installed


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """Install `clock` for the process while the block runs; the previous one after it."""
    global _installed
    before, _installed = _installed, clock
    try:
        yield clock
    finally:
        _installed = before
