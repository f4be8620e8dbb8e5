"""Identifiers: sortable string ids (ULID text), never ObjectId (see docs/storage.md)."""

from __future__ import annotations

from ulid import ULID

from hub import clock


def new_id() -> str:
    """A new lexicographically time-ordered id, as lowercase text."""
    return str(ULID()).lower()


def now_ms() -> int:
    """The hub's time in integer milliseconds, how the store keeps times (fast range scans):
    the wall clock unless another is installed (hub/clock.py; tests move it)."""
    return clock.now_ms()
