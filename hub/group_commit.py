"""Group commit: the requests of one key (a tenant's audit appends, its newsroom events)
that arrive while a turn is at the store wait for the next turn, which takes them all at
once. One task takes the turns back to back while requests keep coming, and each caller
waits for its own request only (hub/audit/log.py, hub/events/bus.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

R = TypeVar("R")


@dataclass
class Turns(Generic[R]):
    """One key's requests in one process (and event loop): those waiting for the next turn,
    and the task taking the turns (None when there is nothing to do)."""

    waiting: list[R] = field(default_factory=list)
    running: asyncio.Task[None] | None = None

    def join(
        self,
        request: R,
        take: Callable[[list[R]], Awaitable[None]],
        fail: Callable[[list[R], BaseException], None],
    ) -> None:
        """Queue `request` for the next turn, starting the turns if none are being taken.
        `take(batch)` stores a turn; `fail(batch, exc)` tells a failed turn's callers (a
        failed turn is not tried again: whether its requests got in is unknown)."""
        self.waiting.append(request)
        if self.running is None:
            batch = self._next()
            self.running = asyncio.get_running_loop().create_task(self._take(batch, take, fail))

    def _next(self) -> list[R]:
        batch = list(self.waiting)
        self.waiting.clear()
        return batch

    async def _take(
        self,
        batch: list[R],
        take: Callable[[list[R]], Awaitable[None]],
        fail: Callable[[list[R], BaseException], None],
    ) -> None:
        try:
            while batch:
                try:
                    await take(batch)
                except BaseException as exc:
                    fail(batch, exc)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                batch = self._next()
        except BaseException as exc:
            fail(self._next(), exc)
            raise
        finally:
            self.running = None


def failure_seen(future: asyncio.Future[Any]) -> None:
    """A done-callback marking a shared future's failure as seen: its waiters may all have
    been cancelled, and asyncio would log "exception was never retrieved"."""
    if not future.cancelled():
        future.exception()
