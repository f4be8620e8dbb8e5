"""Waking idle workers when work is made.

An idle worker looks for work every `idle_sleep` (0.2 s); a story event written or a
job enqueued by this process wakes its workers at once, so an approval in the API
process starts its deliveries without waiting out the pause, and rings the doorbells of
the other processes' workers on this host (hub/jobs/doorbell.py), which wake theirs. A
wake only makes a worker look now: the store stays the only channel of work, and a wake
that is lost costs the wait for the worker's next look.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref

from hub.jobs import doorbell

_idle: weakref.WeakSet[asyncio.Event] = weakref.WeakSet()


def notify() -> None:
    """Work was just made here: idle workers look now, here and in the other processes."""
    wake_here()
    doorbell.ring()


def wake_here() -> None:
    """Idle workers of this process look now (a doorbell rang: work was made elsewhere)."""
    for event in list(_idle):
        event.set()


def waiter() -> asyncio.Event:
    """An event that `notify` sets (kept while its holder keeps it)."""
    event = asyncio.Event()
    _idle.add(event)
    return event


async def pause(stop: asyncio.Event, woken: asyncio.Event, seconds: float) -> None:
    """Wait until `stop` or `woken` is set, or `seconds` have passed; clears `woken`."""
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(woken.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
        for w in waits:
            with contextlib.suppress(asyncio.CancelledError):
                await w
        woken.clear()
