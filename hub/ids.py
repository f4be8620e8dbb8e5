"""Identifiers: sortable string ids (ULID text), never ObjectId (see docs/storage.md)."""

from __future__ import annotations

import time

from ulid import ULID


def new_id() -> str:
    """A new lexicographically time-ordered id, as lowercase text."""
    return str(ULID()).lower()


def now_ms() -> int:
    """Wall-clock time in integer milliseconds: how the store keeps times (fast range scans)."""
    return time.time_ns() // 1_000_000
