"""The time 问政 runs on, injectable: deadlines, reminders and escalations are judged by
it, so tests move it instead of sleeping. The running hub keeps its clock in the app's
state (`wenzheng_clock`); the default is the wall clock.

A hub started with `RONGHUB_WENZHENG_CLOCK_FILE` (development and tests only; the
settings refuse it in production) reads the 问政 time from that file: a process test
stops the hub, writes a later time into the file and starts it again, instead of
waiting days for a deadline.
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path
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


class FileClock:
    """The time written in a file: an ISO 8601 instant with its offset
    (`2026-12-14T09:00:00+08:00`) or milliseconds since the epoch. No file (or an empty
    one): the wall clock. The file is read again when it changes; a file that cannot be
    read as a time keeps the last good reading (the wall clock before the first)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None  # (mtime_ns, size) of the last reading
        self._at: int | None = None

    def now_ms(self) -> int:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._seen, self._at = None, None
            return now_ms()
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._seen:
            self._seen = stamp
            with contextlib.suppress(
                OSError, ValueError
            ):  # a half-written file: keep the last reading
                self._at = parse_instant(self.path.read_text(encoding="utf-8"))
        return now_ms() if self._at is None else self._at


def parse_instant(text: str) -> int | None:
    """Milliseconds since the epoch from `text` (ISO 8601 with an offset, or an integer);
    None for an empty text. ValueError for anything else, or an ISO time without offset."""
    text = text.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("the time needs its offset, e.g. +08:00")
    return int(parsed.timestamp() * 1000)


SYSTEM = SystemClock()


def clock_for(clock_file: Path | None) -> Clock:
    """The hub's 问政 clock from its settings: the file's time, else the wall clock."""
    return FileClock(clock_file) if clock_file is not None else SystemClock()


def clock_of(services: Any) -> Clock:
    """The clock of the running hub (its app state), else the wall clock."""
    found = getattr(services, "wenzheng_clock", None) if services is not None else None
    return found if found is not None else SYSTEM
