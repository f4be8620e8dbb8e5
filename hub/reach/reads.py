"""The center's app: anonymous reads of published stories, counted without personal data.

What is kept is a count per story per hour (reads; and from the app's beacons: reads
whose dwell was reported, their total dwell and how many read to the end). No address,
device, cookie or user agent is stored; a request from a crawler or a preview fetcher
(hub/reach/bots.py) is not counted.

Counting never slows the read path: a read adds one to a dict in memory (no I/O, no
await), and a background task writes the sums every `reach_flush_seconds` as one
unordered bulk of `$inc` upserts. A cached anonymous answer (hub/rest/graphql.py) is
counted too: the stories a cached answer contains are remembered with its cache key.
A crash loses at most one flush interval of counts (30 s by default: a longer
interval folds more reads of a story into one write, which matters on a store that
serves the read path too); a failed flush keeps its counts
for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any

import structlog
from pymongo import UpdateOne

from hub.errors import HubError
from hub.reach.bots import is_bot
from hub.reach.documents import AppReadDoc
from hub.reach.errors import ReachCodes
from hub.reach.schedule import hour_of
from hub.store.tenanted import Tenanted, across_tenants

log = structlog.get_logger(__name__)

_SEEN: ContextVar[list[str] | None] = ContextVar("reach_reads_seen", default=None)
MAX_DWELL_MS = 6 * 3_600_000  # a beacon claiming more is a tab left open: capped


def note_read(story_id: str) -> None:
    """Called by the public story resolver: this request read `story_id`."""
    seen = _SEEN.get()
    if seen is not None:
        seen.append(story_id)


@contextlib.contextmanager
def collecting() -> Iterator[list[str]]:
    """The story ids the resolvers read while this block runs."""
    seen: list[str] = []
    token = _SEEN.set(seen)
    try:
        yield seen
    finally:
        _SEEN.reset(token)


def check_beacon(payload: Any) -> tuple[str, int, bool]:
    """(story id, dwell ms, completed) of a beacon body, or REACH_BEACON_INVALID."""
    if not isinstance(payload, dict):
        raise HubError(
            ReachCodes.REACH_BEACON_INVALID,
            reason_zh="应为 JSON 对象",
            reason_en="must be a JSON object",
        )
    story_id, dwell, done = (
        payload.get("story_id"),
        payload.get("dwell_ms", 0),
        payload.get("completed", False),
    )
    if not isinstance(story_id, str) or not 0 < len(story_id) <= 64:
        raise HubError(
            ReachCodes.REACH_BEACON_INVALID,
            reason_zh="缺少 story_id",
            reason_en="story_id is required",
        )
    if isinstance(dwell, bool) or not isinstance(dwell, int) or dwell < 0:
        raise HubError(
            ReachCodes.REACH_BEACON_INVALID,
            reason_zh="dwell_ms 应为非负整数(毫秒)",
            reason_en="dwell_ms must be a non-negative integer",
        )
    if not isinstance(done, bool):
        raise HubError(
            ReachCodes.REACH_BEACON_INVALID,
            reason_zh="completed 应为 true 或 false",
            reason_en="completed must be a boolean",
        )
    return story_id, min(dwell, MAX_DWELL_MS), done


class ReadCounter:
    """Read counts buffered in memory and flushed in the background."""

    def __init__(self, enabled: bool = True, remembered: int = 4_096) -> None:
        self.enabled = enabled
        # (tenant, story, hour number) -> reads, completions, beacons, dwell; the hour is an
        # integer here (cheap on the read path) and becomes its bucket name when flushed
        self.pending: dict[tuple[str, str, int], list[int]] = {}
        self._cached: OrderedDict[Any, tuple[str, ...]] = OrderedDict()
        self._remembered = remembered

    def _add(
        self,
        tenant: str,
        story_id: str,
        now_ms: int,
        reads: int,
        done: int,
        beacons: int,
        dwell: int,
    ) -> None:
        key = (tenant, story_id, now_ms // 3_600_000)
        row = self.pending.get(key)
        if row is None:
            self.pending[key] = [reads, done, beacons, dwell]
        else:
            row[0] += reads
            row[1] += done
            row[2] += beacons
            row[3] += dwell

    def read(
        self,
        tenant: str,
        story_ids: list[str] | tuple[str, ...],
        user_agent: str | None,
        now_ms: int,
    ) -> None:
        """Count a read of each story (not when the reader is a bot)."""
        if not self.enabled or not story_ids or is_bot(user_agent):
            return
        for story_id in story_ids:
            self._add(tenant, story_id, now_ms, 1, 0, 0, 0)

    def beacon(
        self,
        tenant: str,
        story_id: str,
        dwell_ms: int,
        completed: bool,
        user_agent: str | None,
        now_ms: int,
    ) -> None:
        """The app reports how long a reader stayed and whether they read to the end."""
        if not self.enabled or is_bot(user_agent):
            return
        self._add(tenant, story_id, now_ms, 0, int(completed), 1, dwell_ms)

    def remember(self, cache_key: Any, story_ids: list[str]) -> None:
        """The stories a cacheable answer contains, so a cache hit counts them too."""
        if not story_ids:
            return
        self._cached[cache_key] = tuple(dict.fromkeys(story_ids))
        self._cached.move_to_end(cache_key)
        while len(self._cached) > self._remembered:
            self._cached.popitem(last=False)

    def cached_hit(self, tenant: str, cache_key: Any, user_agent: str | None, now_ms: int) -> None:
        """A cached answer was served: count the stories it contains."""
        ids = self._cached.get(cache_key)
        if ids:
            self.read(tenant, ids, user_agent, now_ms)

    async def flush(self) -> int:
        """Write the buffered counts; returns how many rows were written. On failure the
        counts go back into the buffer for the next flush."""
        if not self.pending:
            return 0
        batch, self.pending = self.pending, {}
        ops = [
            UpdateOne(
                {"_id": f"{tenant}:{story}:{hour_of(hour * 3_600_000)}"},
                {
                    "$inc": {"reads": r, "completions": c, "beacons": b, "dwell_ms": d},
                    # $set, not $setOnInsert: nx-27017 drops $setOnInsert on some upserts (find_one_and_update)
                    "$set": {
                        "tenant": tenant,
                        "story_id": story,
                        "hour": hour_of(hour * 3_600_000),
                    },
                },
                upsert=True,
            )
            for (tenant, story, hour), (r, c, b, d) in batch.items()
        ]
        try:
            await across_tenants(
                AppReadDoc,
                reason="one flush writes the read counts of every center; each row sets its own tenant",
            ).bulk_write(ops, ordered=False)
        except Exception:
            for (tenant, story, hour), (r, c, b, d) in batch.items():
                row = self.pending.setdefault((tenant, story, hour), [0, 0, 0, 0])
                for i, v in enumerate((r, c, b, d)):
                    row[i] += v
            raise
        return len(ops)

    @contextlib.asynccontextmanager
    async def running(self, interval_s: float) -> AsyncIterator[ReadCounter]:
        """Flush every `interval_s` while the block runs, and once more at its end."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(interval_s)
                try:
                    await self.flush()
                except Exception as exc:  # the store is away: the counts wait for the next flush
                    log.warning("reach.flush_failed", error=str(exc)[:200])

        task = asyncio.create_task(loop())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(Exception):
                await self.flush()


async def read_counts(tenant: str, story_id: str) -> dict[str, int]:
    """The app's counts of a story so far (flushed ones), summed over its hours."""
    totals = {"reads": 0, "completions": 0, "beacons": 0, "dwell_ms": 0}
    async for row in Tenanted(AppReadDoc, tenant).find({"tenant": tenant, "story_id": story_id}):
        for k in totals:
            totals[k] += int(row.get(k) or 0)
    return totals
