"""The published read model's response cache.

Anonymous GraphQL responses (published content only) are cached per process, keyed
by tenant and request, and tagged with the tenant's read-model generation: a counter
in the store that every change to published content increments. A process sees its
own writes at once (it refreshes after each mutation) and other processes' writes
within `poll_interval` seconds, when a background task re-reads the counters. The API
workers of one `ronghub serve` see each other's at once: a bump announces itself to the
siblings (hub/siblings.py), and a tenant's generation counts as unknown (re-read before
use) once an announcement came after its last re-read.

Keys are the request's raw bytes (the POST body, or the GET query string), so a hit
costs a dict lookup: no JSON decoding, no GraphQL parsing. Clients that send the same
query spelled differently just get separate entries.

A response that carries signed media URLs also has a deadline (`serve_until`): the
earliest of its URLs' expiries less a margin. Past it the entry is a miss, so the next
reader gets freshly signed URLs although nothing was published; every URL the cache
serves is still valid for at least the margin.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

import structlog

from hub import siblings
from hub.rest.http_cache import etag_for
from hub.shutdown import cancel_and_wait
from hub.store.coalesce import coalescer
from hub.store.documents import CounterDoc
from hub.store.stories import read_model_counter_id
from hub.store.tenanted import across_tenants

log = structlog.get_logger(__name__)

CacheKey = tuple[str, str, bytes]
#: A served entry: its bytes, its ETag (hub/rest/http_cache.py) and its deadline (or None).
Hit = tuple[bytes, str, float | None]


def serve_until(earliest_url_expiry: float | None, margin_seconds: float) -> float | None:
    """Until when (unix seconds) a response may be served from the cache: `margin_seconds`
    before its earliest signed URL expires; None (no limit) when it carries no URL."""
    if earliest_url_expiry is None:
        return None
    return earliest_url_expiry - margin_seconds


#: the coalescer's key of generation re-reads (hub/store/coalesce.py)
_GENERATIONS = ("read-model-generations",)


async def _read_counters(ids: list[str]) -> dict[str, Any]:
    """The read-model counters of `ids` (one find; by `_id` alone when there is one)."""
    counters = across_tenants(
        CounterDoc,
        reason="counters written before the tenant field was reliably set lack it: matched by _id",
    )
    flt: dict[str, Any] = {"_id": ids[0]} if len(ids) == 1 else {"_id": {"$in": ids}}
    return {str(d["_id"]): d async for d in counters.find(flt)}


class Generations:
    """The last known read-model generation of each tenant."""

    def __init__(self) -> None:
        self._known: dict[str, int] = {}
        # the siblings' announcements seen when each tenant's generation was last re-read
        self._seen: dict[str, int] = {}
        # called with the tenant when its generation moves on (caches of published content)
        self.on_advance: list[Callable[[str], None]] = []
        # re-reads sent so far (numbered), and per tenant the number of the last one that
        # landed: a request that noted `mark()` at its start knows whether one sent since
        # has been applied (`fresh_since`)
        self._sent = 0
        self._landed: dict[str, int] = {}
        self._tenant_of: dict[str, str] = {}
        # the coalescer's key of this instance's re-reads (hub/store/coalesce.py)
        self._key = (*_GENERATIONS, id(self))

    def get(self, tenant: str) -> int | None:
        """The tenant's generation; None if unknown, or if a sibling worker bumped a
        generation since it was last re-read (the caller re-reads it: `refresh`)."""
        if self._seen.get(tenant, 0) != siblings.seen(siblings.READ_MODEL):
            return None
        return self._known.get(tenant)

    def advance(self, tenant: str, value: int) -> None:
        """Record a generation this process has just seen (e.g. returned by its own bump).

        Generations only grow, so an older value read late never wins.
        """
        before = self._known.get(tenant)
        if before is None or value > before:
            self._known[tenant] = value
            if before is not None:
                for listener in self.on_advance:
                    listener(tenant)

    def mark(self) -> int:
        """A mark for `fresh_since`: how many re-reads have been sent so far."""
        return self._sent

    def fresh_since(self, tenant: str, mark: int) -> bool:
        """Whether a re-read of the tenant's generation sent after `mark` was taken has been
        applied (and no sibling announced a change since): everything committed before
        the mark is then known, as a `refresh` begun now would show."""
        return self._landed.get(tenant, 0) > mark and self.get(tenant) is not None

    async def refresh(self, tenant: str) -> int:
        """Re-read the tenant's generation. Every signed-in write ends with one (and a read
        that no re-read sent since its start has covered), so the re-reads of concurrent
        requests go as one find (hub/store/coalesce.py): a re-read only joins a find not
        sent yet, so it still sees every bump committed before it."""
        counter = read_model_counter_id(tenant)
        self._tenant_of[counter] = tenant
        await coalescer().get_many(self._key, (counter,), self._reread)
        return self._known[tenant]

    async def _reread(self, counters: list[str]) -> dict[str, Any]:
        """One find of `counters`, applied before any waiting caller resumes (a request
        that asks `fresh_since` in between sees the generation it read)."""
        self._sent += 1
        sent = self._sent
        seen = siblings.seen(siblings.READ_MODEL)  # before the read: a later bump counts
        found = await _read_counters(counters)
        for counter in counters:
            tenant = self._tenant_of[counter]
            raw = found.get(counter)
            self.advance(tenant, int(raw["value"]) if raw else 0)
            self._seen[tenant] = seen
            self._landed[tenant] = max(self._landed.get(tenant, 0), sent)
        return found

    async def refresh_all(self) -> None:
        ids = {read_model_counter_id(t): t for t in self._known}
        if not ids:
            return
        seen = siblings.seen(siblings.READ_MODEL)
        # Matched by _id: counters written before the tenant field was reliably set lack it.
        found = {
            d["_id"]: int(d["value"])
            async for d in across_tenants(
                CounterDoc,
                reason="counters written before the tenant field was reliably set lack it: matched by _id",
            ).find({"_id": {"$in": list(ids)}})
        }
        for counter_id, tenant in ids.items():
            self.advance(tenant, found.get(counter_id, 0))
            self._seen[tenant] = seen

    async def poll(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh_all()
            except Exception:  # keep polling through a store hiccup; readyz reports it
                log.warning("readcache.poll_failed", exc_info=True)


class ResponseCache:
    """A bounded LRU of encoded responses, valid while their generation is current and
    their deadline (if any) has not passed."""

    def __init__(
        self, generations: Generations, max_entries: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.generations = generations
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[CacheKey, tuple[int, bytes, float | None, str]] = OrderedDict()
        # (key, generation) -> the answer being computed now (bytes, deadline), for identical
        # requests to share
        self.inflight: dict[
            tuple[CacheKey, int], asyncio.Future[tuple[bytes, float | None] | None]
        ] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(tenant: str, method: str, raw: bytes) -> CacheKey:
        """The key of an anonymous request: its tenant, method and raw body or query string."""
        return (tenant, method, raw)

    def get(self, key: CacheKey) -> bytes | None:
        hit = self.lookup(key)
        return None if hit is None else hit[0]

    def lookup(self, key: CacheKey) -> Hit | None:
        """The current entry of `key` with its ETag and deadline, or None."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] == self.generations.get(key[0]):
            if entry[2] is None or self.clock() < entry[2]:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1], entry[3], entry[2]
            del self._entries[key]  # its URLs would expire too soon
        self.misses += 1
        return None

    def put(self, key: CacheKey, generation: int, body: bytes, until: float | None = None) -> None:
        """Keep `body` for `generation`; with `until` (unix seconds) only until then."""
        if until is not None and self.clock() >= until:
            return  # would never be served: its URLs expire within the margin
        self._entries[key] = (generation, body, until, etag_for(generation, body))
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


@contextlib.asynccontextmanager
async def polling(generations: Generations, interval: float) -> AsyncIterator[None]:
    """Keep `generations` current in the background while the block runs."""
    task = asyncio.create_task(generations.poll(interval))
    try:
        yield
    finally:
        await cancel_and_wait(task)
