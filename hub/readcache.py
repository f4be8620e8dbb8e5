"""The published read model's response cache.

Anonymous GraphQL responses (published content only) are cached per process, keyed
by tenant and request, and tagged with the tenant's read-model generation: a counter
in the store that every change to published content increments. A process sees its
own writes at once (it refreshes after each mutation) and other processes' writes
within `poll_interval` seconds, when a background task re-reads the counters.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from typing import Any

import structlog

from hub.store.documents import CounterDoc
from hub.store.stories import read_model_counter_id

log = structlog.get_logger(__name__)

CacheKey = tuple[str, str, str, str | None]


class Generations:
    """The last known read-model generation of each tenant."""

    def __init__(self) -> None:
        self._known: dict[str, int] = {}

    def get(self, tenant: str) -> int | None:
        return self._known.get(tenant)

    async def refresh(self, tenant: str) -> int:
        raw = await CounterDoc.get_pymongo_collection().find_one({"_id": read_model_counter_id(tenant)})
        value = int(raw["value"]) if raw else 0
        self._known[tenant] = value
        return value

    async def refresh_all(self) -> None:
        ids = [read_model_counter_id(t) for t in self._known]
        if not ids:
            return
        found = {
            d["tenant"]: int(d["value"])
            async for d in CounterDoc.get_pymongo_collection().find({"_id": {"$in": ids}})
        }
        for tenant in list(self._known):
            self._known[tenant] = found.get(tenant, 0)

    async def poll(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh_all()
            except Exception:  # keep polling through a store hiccup; readyz reports it
                log.warning("readcache.poll_failed", exc_info=True)


class ResponseCache:
    """A bounded LRU of encoded responses, valid while their generation is current."""

    def __init__(self, generations: Generations, max_entries: int) -> None:
        self.generations = generations
        self.max_entries = max_entries
        self._entries: OrderedDict[CacheKey, tuple[int, bytes]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(tenant: str, query: str, variables: Any, operation: str | None) -> CacheKey:
        import json

        return (tenant, query, json.dumps(variables, sort_keys=True, ensure_ascii=False) if variables else "", operation)

    def get(self, key: CacheKey) -> bytes | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == self.generations.get(key[0]):
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]
        self.misses += 1
        return None

    def put(self, key: CacheKey, generation: int, body: bytes) -> None:
        self._entries[key] = (generation, body)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


@contextlib.asynccontextmanager
async def polling(generations: Generations, interval: float):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(generations.poll(interval))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
