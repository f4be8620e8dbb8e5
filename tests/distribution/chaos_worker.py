"""A worker process for the kill test: the real Worker and Distribution engine, with the
chaos channel registered in code. Usage: python -m tests.distribution.chaos_worker URI DB PREFIX PLATFORM_URL,
or `run` as the target of a process forked by multiprocessing (the kill test forks its
workers from a forkserver that has imported this module once: #20 item 5).

Stdout carries one line, "ready" (a forked worker sends it through its pipe instead); logs go to stderr (nobody reads a full stdout pipe, and a
worker blocked writing to it would stall). Every consumer's lease is one second, so the
job of a killed worker is taken over at once, whatever step it was at."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection

import httpx
import structlog
from ronghub_sdk import TransportKind

from hub.channels.manager import ChannelManager
from hub.distribution.engine import Distribution
from hub.distribution.transports import TransportProvider
from hub.domain.retry import RetryPolicy
from hub.jobs.worker import Worker
from hub.wiring import connect
from tests.distribution.chaos_channel import ChaosNet


async def main(
    uri: str, db: str, prefix: str, platform_url: str, ready: Callable[[], None]
) -> None:
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    await connect(uri, db)
    manager = ChannelManager()
    manager.register(ChaosNet())
    client = httpx.AsyncClient(base_url=platform_url, timeout=5)
    provider = TransportProvider()
    provider.register(TransportKind.PLATFORM_API, lambda c, cfg, t: client)
    engine = Distribution(
        manager,
        provider,
        prefix=prefix,
        lease_seconds=1.0,
        policy=RetryPolicy(max_attempts=50, base_seconds=0.05, cap_seconds=0.2),
    )
    ready()
    consumers = [dataclasses.replace(c, lease_seconds=1.0) for c in engine.consumers()]
    await Worker(consumers, idle_sleep=0.05).run(asyncio.Event())


def run(uri: str, db: str, prefix: str, platform_url: str, ready: Connection) -> None:
    """The worker in a forked process: "ready" goes through `ready` once it is working."""

    def say_ready() -> None:
        ready.send("ready")
        ready.close()

    asyncio.run(main(uri, db, prefix, platform_url, say_ready))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5], lambda: print("ready", flush=True)))
