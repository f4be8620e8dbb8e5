"""Recording a publication's counts: one point per scheduled fetch, into its series
(the curve), its monthly bucket (growth per day) and its story's monthly rollup,
exactly once even when a job is retried.

Order matters for retries: series, bucket, rollup, then the publication's latest
counts. The growth of a point is worked out from the publication's latest counts,
which are written last, so a retried job computes the same growth, and each document's
guard (the point's key in the series; the last fetch added in the bucket and, per
publication, in the rollup) keeps each write from happening twice. Guards are map keys
and integers: the embedded store answers `$ne` against an array as if it compared the
whole array, so an array guard let a retry through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pymongo.errors import DuplicateKeyError

from hub.reach import measures
from hub.reach.documents import MetricsRateDoc, ReachBucketDoc, ReachSeriesDoc, ReachStoryMonthDoc
from hub.reach.schedule import day_of, month_of


@dataclass(frozen=True)
class StoryFacts:
    """What the rollup keeps about the story: its title, column and people by role."""

    title: str = ""
    column_id: str | None = None
    people: dict[str, str | None] = field(default_factory=dict)


async def _guarded(coll: Any, doc_id: str, guards: list[dict[str, Any]], update: dict[str, Any], new_doc: dict[str, Any]) -> bool:
    """Apply `update` to the document if one of `guards` holds (each says "this point is
    not in it yet"); insert `new_doc` when there is no document. True when this call
    wrote. (No upsert with such filters: the embedded store and MongoDB need not agree on
    what it inserts; no `$or`: the embedded store may scan for it.)"""
    for _ in range(3):
        for guard in guards:
            res = await coll.update_one({"_id": doc_id, **guard}, update)
            if res.matched_count:
                return True
        if await coll.find_one({"_id": doc_id}, {"_id": 1}) is not None:
            return False  # exists, and the guards say this point is in it
        try:
            await coll.insert_one(new_doc)
            return True
        except DuplicateKeyError:
            continue  # another worker created it just now: apply the update to it
    return False


def _after(field: str, slot: int) -> list[dict[str, Any]]:
    """Guards: `field` (the last fetch added) is before `slot`, or not there yet."""
    return [{field: {"$lt": slot}}, {field: {"$exists": False}}]


async def record_point(
    *, tenant: str, publication_id: str, story_id: str, channel: str, slot: int, at_ms: int,
    previous: dict[str, Any], values: dict[str, Any], story: StoryFacts,
) -> dict[str, int]:  # fmt: skip
    """Record fetch number `slot` of a publication (its counts `values` at `at_ms`);
    returns the growth since `previous` (the publication's latest counts before it).
    A publication's fetches come one after another (the next is stored only when one
    succeeds), so "the last fetch added" is a sufficient retry guard per document."""
    gain = measures.growth(previous, values)
    day, month = day_of(at_ms), month_of(at_ms)
    point = {"slot": slot, "at": at_ms, "values": values}
    series_id = f"{tenant}:{story_id}:{month}"
    await _guarded(
        ReachSeriesDoc.get_pymongo_collection(), series_id, [{f"points.{publication_id}.{slot}": {"$exists": False}}],
        {"$set": {f"points.{publication_id}.{slot}": point, f"channels.{publication_id}": channel}},
        {"_id": series_id, "tenant": tenant, "story_id": story_id, "month": month, "channels": {publication_id: channel},
         "points": {publication_id: {str(slot): point}}},
    )  # fmt: skip
    doc_id = f"{publication_id}:{month}"
    bucket: dict[str, Any] = {"$set": {"latest": values, "last_slot": slot}}
    if gain:
        bucket["$inc"] = {**{f"gain.{k}": v for k, v in gain.items()}, **{f"days.{day}.{k}": v for k, v in gain.items()}}
    await _guarded(
        ReachBucketDoc.get_pymongo_collection(), doc_id, _after("last_slot", slot), bucket,
        {"_id": doc_id, "tenant": tenant, "publication_id": publication_id, "story_id": story_id, "channel": channel,
         "month": month, "column_id": story.column_id, "last_slot": slot, "latest": values, "gain": dict(gain),
         "days": {day: dict(gain)}},
    )  # fmt: skip
    roll_id = f"{tenant}:{story_id}:{month}"
    facts = {"title": story.title, "column_id": story.column_id, "people": dict(story.people)}
    roll: dict[str, Any] = {"$set": {**facts, f"rolled.{publication_id}": slot}}
    if gain:
        roll["$inc"] = {**{f"totals.{k}": v for k, v in gain.items()}, **{f"channels.{channel}.{k}": v for k, v in gain.items()}}
    await _guarded(
        ReachStoryMonthDoc.get_pymongo_collection(), roll_id, _after(f"rolled.{publication_id}", slot), roll,
        {"_id": roll_id, "tenant": tenant, "story_id": story_id, "month": month, **facts, "totals": dict(gain),
         "channels": {channel: dict(gain)}, "rolled": {publication_id: slot}},
    )  # fmt: skip
    return gain


RATE_KEEP_MS = 10 * 60_000


async def take_rate_slot(tenant: str, channel: str, per_minute: int, now: int) -> float | None:
    """Count one fetch against the channel's per-minute limit; None when it may go
    ahead, else the seconds until the next minute (the job waits that long)."""
    minute = now // 60_000
    doc_id = f"{tenant}:{channel}:{minute}"
    coll = MetricsRateDoc.get_pymongo_collection()
    res = await coll.find_one_and_update(
        {"_id": doc_id}, {"$inc": {"fetches": 1}, "$set": {"tenant": tenant}, "$min": {"at": now}}, upsert=True,
        return_document=True,
    )  # fmt: skip
    if res is not None and int(res.get("fetches", 0)) == 1:
        # the first fetch of a minute clears the tenant's minutes gone by (a TTL index
        # would not: MongoDB expires only BSON dates, and these are milliseconds)
        await coll.delete_many({"tenant": {"$eq": tenant}, "at": {"$lt": now - RATE_KEEP_MS}})
    if res is not None and int(res.get("fetches", 0)) > per_minute:
        return ((minute + 1) * 60_000 - now) / 1000 + 0.001
    return None
