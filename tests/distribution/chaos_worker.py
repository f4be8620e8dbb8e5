"""A worker process for the kill test: the real Worker and Distribution engine, with the
chaos channel registered in code. Usage: python -m tests.distribution.chaos_worker URI DB PREFIX PLATFORM_URL"""

from __future__ import annotations

import asyncio
import sys

import httpx
from ronghub_sdk import TransportKind

from hub.channels.manager import ChannelManager
from hub.distribution.engine import Distribution
from hub.distribution.transports import TransportProvider
from hub.domain.retry import RetryPolicy
from hub.jobs.worker import Worker
from hub.store.database import connect
from tests.distribution.chaos_channel import ChaosNet


async def main(uri: str, db: str, prefix: str, platform_url: str) -> None:
    await connect(uri, db)
    manager = ChannelManager()
    manager.register(ChaosNet())
    client = httpx.AsyncClient(base_url=platform_url, timeout=5)
    provider = TransportProvider()
    provider.register(TransportKind.PLATFORM_API, lambda c, cfg, t: client)
    engine = Distribution(
        manager, provider, prefix=prefix, lease_seconds=1.0,
        policy=RetryPolicy(max_attempts=50, base_seconds=0.05, cap_seconds=0.2),
    )  # fmt: skip
    print("ready", flush=True)
    await Worker(engine.consumers(), idle_sleep=0.05).run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
