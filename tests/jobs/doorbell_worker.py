"""A worker in a process of its own for the doorbell tests (tests/jobs/test_doorbell.py):
the real Worker, with a doorbell in FOLDER, running the jobs of CONSUMER (each finishes at
once) and looking for work on its own only every IDLE_SLEEP seconds.

Usage: python -m tests.jobs.doorbell_worker URI DB CONSUMER FOLDER IDLE_SLEEP. Stdout
carries one line, "idle", once its first pass is over and it waits; it stops when its
stdin closes (the test's end); logs go to stderr."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import structlog

from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc
from hub.jobs.service import running_worker
from hub.wiring import connect


async def _done(job: JobDoc) -> dict[str, Any]:
    return {"pid": os.getpid()}


async def main(uri: str, db: str, name: str, folder: str, idle_sleep: str) -> None:
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    await connect(uri, db)
    consumer = Consumer(name=name, kinds=(), handler=_done)
    async with running_worker([consumer], float(idle_sleep), doorbells=Path(folder)) as worker:
        while not worker.idle:  # noqa: ASYNC110 (until its first pass is over: a condition)
            await asyncio.sleep(0.01)
        print("idle", flush=True)
        await asyncio.to_thread(sys.stdin.read)  # until the test closes our stdin


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
