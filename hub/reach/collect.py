"""Recording a publication's counts: one point per scheduled fetch, into its day's
bucket and its story's monthly rollup, exactly once even when a job is retried.

Order matters for retries: bucket, then rollup, then the publication's latest counts.
The growth of a point is worked out from the publication's latest counts, which are
written last, so a retried job computes the same growth, and the guards (the point's key
in the bucket's `points`, in the rollup's `seen`) keep each write from happening twice.
(Guards are `$exists` on a map key: the embedded store answers `$ne` against an array
as if it compared the whole array, so an array guard let a retry through.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pymongo.errors import DuplicateKeyError

from hub.reach import measures
from hub.reach.documents import MetricsRateDoc, ReachBucketDoc, ReachStoryMonthDoc
from hub.reach.schedule import day_of, month_of


@dataclass(frozen=True)
class StoryFacts:
    """What the rollup keeps about the story: its title, column and people by role."""

    title: str = ""
    column_id: str | None = None
    people: dict[str, str | None] = field(default_factory=dict)


async def _guarded(coll: Any, doc_id: str, guard: dict[str, Any], update: dict[str, Any], new_doc: dict[str, Any]) -> bool:
    """Apply `update` unless `guard` says it was applied; insert `new_doc` when there is
    no document yet. True when this call wrote. (No upsert with a `$ne` filter: the
    embedded store and MongoDB need not agree on what such an upsert inserts.)"""
    for _ in range(3):
        res = await coll.update_one({"_id": doc_id, **guard}, update)
        if res.matched_count:
            return True
        if await coll.find_one({"_id": doc_id}, {"_id": 1}) is not None:
            return False  # exists, and the guard says this point is in it
        try:
            await coll.insert_one(new_doc)
            return True
        except DuplicateKeyError:
            continue  # another worker created it just now: apply the update to it
    return False


async def record_point(
    *, tenant: str, publication_id: str, story_id: str, channel: str, slot: int, at_ms: int,
    previous: dict[str, Any], values: dict[str, Any], story: StoryFacts,
) -> dict[str, int]:  # fmt: skip
    """Record fetch number `slot` of a publication (its counts `values` at `at_ms`);
    returns the growth since `previous` (the publication's latest counts before it)."""
    gain = measures.growth(previous, values)
    day, month = day_of(at_ms), month_of(at_ms)
    point = {"slot": slot, "at": at_ms, "values": values}
    bucket_id = f"{publication_id}:{day}"
    update: dict[str, Any] = {"$addToSet": {"slots": slot}, "$set": {f"points.{slot}": point, "latest": values}}
    if gain:
        update["$inc"] = {f"gain.{k}": v for k, v in gain.items()}
    await _guarded(
        ReachBucketDoc.get_pymongo_collection(), bucket_id, {f"points.{slot}": {"$exists": False}}, update,
        {"_id": bucket_id, "tenant": tenant, "publication_id": publication_id, "story_id": story_id, "channel": channel,
         "day": day, "month": month, "column_id": story.column_id, "points": {str(slot): point}, "slots": [slot], "latest": values,
         "gain": gain},
    )  # fmt: skip
    seen = f"{publication_id}:{slot}"
    roll_id = f"{tenant}:{story_id}:{month}"
    inc: dict[str, int] = {}
    for k, v in gain.items():
        inc[f"totals.{k}"] = v
        inc[f"channels.{channel}.{k}"] = v
        inc[f"days.{day}.{k}"] = v
    facts = {"title": story.title, "column_id": story.column_id, "people": dict(story.people)}
    roll_update: dict[str, Any] = {"$set": {**facts, f"seen.{seen}": 1}}
    if inc:
        roll_update["$inc"] = inc
    await _guarded(
        ReachStoryMonthDoc.get_pymongo_collection(), roll_id, {f"seen.{seen}": {"$exists": False}}, roll_update,
        {"_id": roll_id, "tenant": tenant, "story_id": story_id, "month": month, **facts, "totals": dict(gain),
         "channels": {channel: dict(gain)}, "days": {day: dict(gain)}, "seen": {seen: 1}},
    )  # fmt: skip
    return gain


async def take_rate_slot(tenant: str, channel: str, per_minute: int, now: int) -> float | None:
    """Count one fetch against the channel's per-minute limit; None when it may go
    ahead, else the seconds until the next minute (the job waits that long)."""
    minute = now // 60_000
    doc_id = f"{tenant}:{channel}:{minute}"
    coll = MetricsRateDoc.get_pymongo_collection()
    res = await coll.find_one_and_update(
        {"_id": doc_id}, {"$inc": {"fetches": 1}, "$setOnInsert": {"tenant": tenant, "at": now}}, upsert=True,
        return_document=True,
    )  # fmt: skip
    if res is not None and int(res.get("fetches", 0)) > per_minute:
        return ((minute + 1) * 60_000 - now) / 1000 + 0.001
    return None
