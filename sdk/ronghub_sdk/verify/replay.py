"""Remembering accepted `webhook-id`s so a replayed delivery is refused.

Ids must be kept at least as long as a timestamp is accepted (the tolerance on both
sides); after that the timestamp check refuses a replay anyway. The in-memory store
suits one process; several receiver processes share a store of their own (Redis
`SET key 1 NX EX ttl`, a database unique index) implementing `SeenIds`/`AsyncSeenIds`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class SeenIds(Protocol):
    def seen(self, message_id: str, ttl_s: float) -> bool:
        """Record `message_id` for `ttl_s` seconds; True if it was already recorded."""
        ...


class AsyncSeenIds(Protocol):
    async def seen(self, message_id: str, ttl_s: float) -> bool: ...


class MemorySeenIds:
    """A bounded in-memory set of ids with expiry (thread-safe; usable by the async verifier too)."""

    def __init__(
        self, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._ids: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, message_id: str, ttl_s: float) -> bool:
        now = self.clock()
        with self._lock:
            expiry = self._ids.get(message_id)
            if expiry is not None and expiry > now:
                return True
            self._ids.pop(message_id, None)
            self._ids[message_id] = now + ttl_s
            self._purge(now)
            return False

    def forget(self, message_id: str) -> None:
        """Let `message_id` be accepted again (e.g. your handler failed and you answered 5xx)."""
        with self._lock:
            self._ids.pop(message_id, None)

    def _purge(self, now: float) -> None:
        # entries are in insertion order, which is expiry order for one ttl
        while self._ids:
            first, expiry = next(iter(self._ids.items()))
            if expiry > now and len(self._ids) <= self.max_entries:
                break
            del self._ids[first]

    def __len__(self) -> int:
        return len(self._ids)
