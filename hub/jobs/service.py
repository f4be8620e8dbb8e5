"""Running a worker as part of a process (the hub's lifespan or `ronghub worker`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from hub.jobs import doorbell, wakeup
from hub.jobs.consumers import Consumer
from hub.jobs.worker import Worker
from hub.shutdown import cancel_and_wait

STOP_GRACE_SECONDS = 2.0


@contextlib.asynccontextmanager
async def running_worker(
    consumers: Sequence[Consumer],
    idle_sleep: float = 0.2,
    relay_also: Sequence[Consumer] = (),
    doorbells: Path | None = None,
) -> AsyncIterator[Worker]:
    """A worker running in the background of the current event loop while the block runs
    (`relay_also`: consumers run by another process, see Worker). With `doorbells` (the
    deployment's doorbell folder, hub/jobs/doorbell.py) work made in the other processes
    on this host wakes it at once, as work made here does."""
    worker = Worker(consumers, idle_sleep=idle_sleep, relay_also=relay_also)
    stop = asyncio.Event()
    async with contextlib.AsyncExitStack() as bells:
        if doorbells is not None:
            await bells.enter_async_context(doorbell.listening(doorbells, wakeup.wake_here))
        task = asyncio.create_task(worker.run(stop))
        try:
            yield worker
        finally:
            stop.set()
            # a pass in progress may finish (its job completes); one stuck on a store that is
            # away is cancelled: its job's lease runs out and the job is claimed again
            await cancel_and_wait(task, grace=STOP_GRACE_SECONDS)
