"""Recording a publication's counts: one point per scheduled fetch, into its series
(the curve), its monthly bucket (growth per day), its story's monthly rollup and the
tenant's day of its channel, exactly once even when a job is retried or re-run.

Order matters for retries: series, bucket, rollup, day, then the publication's latest
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
from hub.reach.documents import (
    MetricsRateDoc,
    ReachBucketDoc,
    ReachDayDoc,
    ReachSeriesDoc,
    ReachStoryMonthDoc,
)
from hub.reach.schedule import day_of, month_of
from hub.store.tenanted import Tenanted


@dataclass(frozen=True)
class StoryFacts:
    """What the rollup keeps about the story: its title, column and people by role."""

    title: str = ""
    column_id: str | None = None
    people: dict[str, str | None] = field(default_factory=dict)


async def _guarded(
    coll: Tenanted,
    doc_id: str,
    guards: list[dict[str, Any]],
    update: dict[str, Any],
    new_doc: dict[str, Any],
) -> bool:
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


async def _stored_point(
    coll: Tenanted, tenant: str, story_id: str, pub: str, slot: int, months: list[str]
) -> dict[str, Any] | None:
    """Fetch `slot` of the publication as stored in the story's series of one of `months`."""
    path = f"points.{pub}.{slot}"
    for month in months:
        doc = (
            await coll.find_one(
                {"_id": f"{tenant}:{story_id}:{month}", "tenant": tenant}, {path: 1}
            )
            or {}
        )
        # MongoDB nests a dotted projection; the embedded store answers it as one flat key
        kept = doc.get(path) or ((doc.get("points") or {}).get(pub) or {}).get(str(slot))
        if kept:
            return dict(kept)
    return None


def _month_before(ms: int) -> str:
    year, mon = (int(x) for x in month_of(ms).split("-"))
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


@dataclass(frozen=True)
class Recorded:
    """A point as recorded: its counts and time (on a retry, those the first attempt
    stored), what each counter gained since the previous point and what the platform
    took back (a lower count than before: a correction, kept apart from growth)."""

    values: dict[str, Any]
    at_ms: int
    gain: dict[str, int]
    corrections: dict[str, int]


NO_COLUMN = "~"  # the `columns` key of a story without a column


def _inc(prefix: str, counts: dict[str, int]) -> dict[str, int]:
    return {f"{prefix}.{k}": v for k, v in counts.items()}


async def record_point(
    *,
    tenant: str,
    publication_id: str,
    story_id: str,
    channel: str,
    slot: int,
    at_ms: int,
    previous: dict[str, Any],
    values: dict[str, Any],
    story: StoryFacts,
) -> Recorded:
    """Record fetch number `slot` of a publication (its counts `values` at `at_ms`),
    growth and corrections worked out from `previous` (the publication's latest counts
    before it), into its series, its monthly bucket, its story's monthly rollup and the
    tenant's day of that channel. A publication's fetches come one after another (the
    next is stored only when one succeeds), so "the last fetch added" is a sufficient
    retry guard per document. A retry (the job ran again after writing some of this)
    records the counts and time the first attempt stored, not the platform's newer
    ones, so every document gets the same point and no growth falls between two."""
    series = Tenanted(ReachSeriesDoc, tenant)
    # a retry: the point is stored already (in this month's series, or last month's when
    # the first attempt ran before the month turned); record that one everywhere
    kept = await _stored_point(
        series, tenant, story_id, publication_id, slot, [month_of(at_ms), _month_before(at_ms)]
    )
    if kept is None:
        month = month_of(at_ms)
        point = {"slot": slot, "at": at_ms, "values": values}
        series_id = f"{tenant}:{story_id}:{month}"
        wrote = await _guarded(
            series,
            series_id,
            [{f"points.{publication_id}.{slot}": {"$exists": False}}],
            {
                "$set": {
                    f"points.{publication_id}.{slot}": point,
                    f"channels.{publication_id}": channel,
                }
            },
            {
                "_id": series_id,
                "tenant": tenant,
                "story_id": story_id,
                "month": month,
                "channels": {publication_id: channel},
                "points": {publication_id: {str(slot): point}},
            },
        )
        if not wrote:  # another attempt stored it just now
            kept = await _stored_point(series, tenant, story_id, publication_id, slot, [month])
    if kept is not None:
        values, at_ms = dict(kept["values"]), int(kept["at"])
    month = month_of(at_ms)
    gain, taken = measures.growth(previous, values), measures.corrections(previous, values)
    day = day_of(at_ms)
    doc_id = f"{publication_id}:{month}"
    bucket: dict[str, Any] = {"$set": {"latest": values, "last_slot": slot}}
    if gain or taken:
        bucket["$inc"] = {
            **_inc("gain", gain),
            **_inc(f"days.{day}", gain),
            **_inc("corrections", taken),
        }
    await _guarded(
        Tenanted(ReachBucketDoc, tenant),
        doc_id,
        _after("last_slot", slot),
        bucket,
        {
            "_id": doc_id,
            "tenant": tenant,
            "publication_id": publication_id,
            "story_id": story_id,
            "channel": channel,
            "month": month,
            "column_id": story.column_id,
            "last_slot": slot,
            "latest": values,
            "gain": dict(gain),
            "corrections": dict(taken),
            "days": {day: dict(gain)},
        },
    )
    roll_id = f"{tenant}:{story_id}:{month}"
    facts = {"title": story.title, "column_id": story.column_id, "people": dict(story.people)}
    roll: dict[str, Any] = {"$set": {**facts, f"rolled.{publication_id}": slot}}
    if gain or taken:
        roll["$inc"] = {
            **_inc("totals", gain),
            **_inc(f"channels.{channel}", gain),
            **_inc("corrections", taken),
        }
    await _guarded(
        Tenanted(ReachStoryMonthDoc, tenant),
        roll_id,
        _after(f"rolled.{publication_id}", slot),
        roll,
        {
            "_id": roll_id,
            "tenant": tenant,
            "story_id": story_id,
            "month": month,
            **facts,
            "totals": dict(gain),
            "corrections": dict(taken),
            "channels": {channel: dict(gain)},
            "rolled": {publication_id: slot},
        },
    )
    column = story.column_id or NO_COLUMN
    day_id = f"{tenant}:{day}:{channel}"
    daily: dict[str, Any] = {"$set": {f"rolled.{publication_id}": slot}}
    if gain or taken:
        daily["$inc"] = {
            **_inc("gain", gain),
            **_inc(f"columns.{column}", gain),
            **_inc("corrections", taken),
        }
    await _guarded(
        Tenanted(ReachDayDoc, tenant),
        day_id,
        _after(f"rolled.{publication_id}", slot),
        daily,
        {
            "_id": day_id,
            "tenant": tenant,
            "day": day,
            "month": month,
            "channel": channel,
            "gain": dict(gain),
            "corrections": dict(taken),
            "columns": {column: dict(gain)},
            "rolled": {publication_id: slot},
        },
    )
    return Recorded(values, at_ms, gain, taken)


RATE_KEEP_MS = 10 * 60_000


async def take_rate_slot(tenant: str, channel: str, per_minute: int, now: int) -> float | None:
    """Count one fetch against the channel's per-minute limit; None when it may go
    ahead, else the seconds until the next minute (the job waits that long)."""
    minute = now // 60_000
    doc_id = f"{tenant}:{channel}:{minute}"
    coll = Tenanted(MetricsRateDoc, tenant)
    res = await coll.find_one_and_update(
        {"_id": doc_id},
        {"$inc": {"fetches": 1}, "$set": {"tenant": tenant}, "$min": {"at": now}},
        upsert=True,
        return_document=True,
    )
    if res is not None and int(res.get("fetches", 0)) == 1:
        # the first fetch of a minute clears the tenant's minutes gone by (a TTL index
        # would not: MongoDB expires only BSON dates, and these are milliseconds)
        await coll.delete_many({"tenant": {"$eq": tenant}, "at": {"$lt": now - RATE_KEEP_MS}})
    if res is not None and int(res.get("fetches", 0)) > per_minute:
        return ((minute + 1) * 60_000 - now) / 1000 + 0.001
    return None
