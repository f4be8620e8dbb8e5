"""Running a worker as part of a process (the hub's lifespan or `ronghub worker`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from hub.jobs.consumers import Consumer
from hub.jobs.worker import Worker


@contextlib.asynccontextmanager
async def running_worker(
    consumers: Sequence[Consumer], idle_sleep: float = 0.2, relay_also: Sequence[Consumer] = ()
) -> AsyncIterator[Worker]:
    """A worker running in the background of the current event loop while the block runs
    (`relay_also`: consumers run by another process, see Worker)."""
    worker = Worker(consumers, idle_sleep=idle_sleep, relay_also=relay_also)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        await task
