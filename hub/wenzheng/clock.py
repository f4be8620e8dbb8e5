"""The time 问政 runs on, injectable: deadlines, reminders and escalations are judged by
it, so tests move it instead of sleeping. The running hub keeps its clock in the app's
state (`wenzheng_clock`); the default is the wall clock."""

from __future__ import annotations

from typing import Any, Protocol

from hub.ids import now_ms


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    def now_ms(self) -> int:
        return now_ms()


class ManualClock:
    """A clock that moves only when told (tests, replays)."""

    def __init__(self, start_ms: int | None = None) -> None:
        self.at = now_ms() if start_ms is None else start_ms

    def now_ms(self) -> int:
        return self.at

    def advance(self, ms: int) -> None:
        self.at += ms

    def set(self, at_ms: int) -> None:
        self.at = at_ms


SYSTEM = SystemClock()


def clock_of(services: Any) -> Clock:
    """The clock of the running hub (its app state), else the wall clock."""
    found = getattr(services, "wenzheng_clock", None) if services is not None else None
    return found if found is not None else SYSTEM
