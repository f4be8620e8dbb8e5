"""传播效果 benchmark (issue 18): 1M metric points over 10k publications on the embedded
store, then the two hot queries: top stories for a month and one story's reach curve
(p95 target ≤ 50 ms each), plus the other reach queries for the record, and the cost
of recording a point through the collector.

`python -m bench.reach_bench` — a fresh embedded store in a temporary folder.
RONGHUB_BENCH_PUBS (10,000) publications = stories × 5 channels, RONGHUB_BENCH_POINTS
(100) points each, spread over 28 days of one month as the schedule would (dense on
the first day, then a few a day). The buckets and rollups are written in bulk in the
shape `hub/reach/collect.py` writes them (growth worked out with the same function);
`record_point` itself is timed on a sample.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.fanout import percentile
from hub.embedded.store import EmbeddedStore
from hub.reach import measures, queries
from hub.reach.collect import StoryFacts, record_point
from hub.reach.documents import ReachBucketDoc, ReachDayDoc, ReachSeriesDoc, ReachStoryMonthDoc
from hub.reach.schedule import day_of, day_start_ms
from hub.wiring import connect

TENANT = "bench"
MONTH = "2026-11"
CHANNELS = ("app", "douyin", "wechat", "gov_site", "xuexi")
DAY_MS = 86_400_000


def _times(start: int, n: int, rng: random.Random) -> list[int]:
    """n fetch times: a fifth in the first day (denser early), the rest over 27 days."""
    first = max(1, n // 5)
    early = sorted(start + int(DAY_MS * (i / first) ** 2) for i in range(first))
    late = sorted(start + DAY_MS + rng.randrange(27 * DAY_MS) for _ in range(n - first))
    return early + late


def _docs(
    pubs: int, points: int, seed: int = 7
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Series, buckets, rollups and the tenant's days as `record_point` leaves them."""
    rng = random.Random(seed)
    month_start = day_start_ms(f"{MONTH}-01")
    series: list[dict[str, Any]] = []
    buckets: list[dict[str, Any]] = []
    rollups: dict[str, dict[str, Any]] = {}
    days: dict[str, dict[str, Any]] = {}
    for p in range(pubs):
        story = f"s{p // len(CHANNELS):05d}"
        channel = CHANNELS[p % len(CHANNELS)]
        pub = f"{story}:{channel}"
        scale = rng.lognormvariate(6, 2)
        previous: dict[str, int] = {}
        roll = rollups.setdefault(
            story,
            {
                "_id": f"{TENANT}:{story}:{MONTH}",
                "tenant": TENANT,
                "story_id": story,
                "month": MONTH,
                "title": f"稿件 {story}",
                "column_id": f"c{rng.randrange(8)}",
                "people": {"reporter": f"u{rng.randrange(60)}", "editor": f"u{rng.randrange(60)}"},
                "totals": {},
                "channels": {},
                "rolled": {},
            },
        )
        if p % len(CHANNELS) == 0:
            series.append(
                {
                    "_id": f"{TENANT}:{story}:{MONTH}",
                    "tenant": TENANT,
                    "story_id": story,
                    "month": MONTH,
                    "channels": {},
                    "points": {},
                }
            )
        s = series[-1]
        s["channels"][pub] = channel
        s["points"][pub] = {}
        b = {
            "_id": f"{pub}:{MONTH}",
            "tenant": TENANT,
            "publication_id": pub,
            "story_id": story,
            "channel": channel,
            "month": MONTH,
            "column_id": roll["column_id"],
            "last_slot": 0,
            "latest": {},
            "gain": {},
            "days": {},
        }
        for slot, at in enumerate(_times(month_start, points, rng), start=1):
            frac = 1 - 0.9**slot
            values = {
                "views": int(scale * 100 * frac),
                "likes": int(scale * 3 * frac),
                "shares": int(scale * frac),
            }
            gain = measures.growth(previous, values)
            previous = values
            s["points"][pub][str(slot)] = {"slot": slot, "at": at, "values": values}
            b["last_slot"], b["latest"] = slot, values
            measures.add(b["gain"], gain)
            measures.add(
                b["days"].setdefault(day_of(at), {}), gain
            )  # the bucket's day (China time)
            measures.add(roll["totals"], gain)
            measures.add(roll["channels"].setdefault(channel, {}), gain)
            roll["rolled"][pub] = slot
            d = day_of(at)
            day = days.setdefault(
                f"{d}:{channel}",
                {
                    "_id": f"{TENANT}:{d}:{channel}",
                    "tenant": TENANT,
                    "day": d,
                    "month": MONTH,
                    "channel": channel,
                    "gain": {},
                    "corrections": {},
                    "columns": {},
                    "rolled": {},
                },
            )
            measures.add(day["gain"], gain)
            measures.add(day["columns"].setdefault(roll["column_id"], {}), gain)
            day["rolled"][pub] = slot
        buckets.append(b)
    return series, buckets, list(rollups.values()), list(days.values())


async def _timed(label: str, runs: int, call: Any) -> dict[str, float]:
    await call()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    row = {
        "p50_ms": round(percentile(times, 0.5), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "runs": runs,
    }
    print(f"  {label:<44} p50 {row['p50_ms']:>8.2f} ms   p95 {row['p95_ms']:>8.2f} ms", flush=True)
    return row


async def run(pubs: int, points: int, workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"pubs": pubs, "points_per_pub": points, "points": pubs * points}
    with EmbeddedStore(workdir / "store") as store:
        db = await connect(store.uri, "reach_bench", timeout_s=30)
        try:
            started = time.perf_counter()
            series, buckets, rollups, days = _docs(pubs, points)
            out["series_docs"], out["bucket_docs"], out["rollup_docs"], out["day_docs"] = (
                len(series),
                len(buckets),
                len(rollups),
                len(days),
            )
            print(
                f"generated {pubs * points:,} points → {len(series):,} series and {len(buckets):,} monthly buckets, "
                f"{len(rollups):,} story-month rollups, {len(days):,} channel days in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            started = time.perf_counter()
            for coll, docs in (
                (ReachSeriesDoc.get_pymongo_collection(), series),
                (ReachBucketDoc.get_pymongo_collection(), buckets),
                (ReachDayDoc.get_pymongo_collection(), days),
            ):
                for i in range(
                    0, len(docs), 100
                ):  # ~4 MB of series a batch: 1,000 timed out on a busy machine
                    await coll.insert_many(docs[i : i + 100], ordered=False)
            await ReachStoryMonthDoc.get_pymongo_collection().insert_many(rollups, ordered=False)
            out["load_s"] = round(time.perf_counter() - started, 1)
            print(f"stored in {out['load_s']} s", flush=True)
            rng = random.Random(11)
            stories = [r["story_id"] for r in rollups]
            month = queries.period(MONTH)
            week = queries.period(first=f"{MONTH}-08", last=f"{MONTH}-14")
            out["queries"] = {
                "top_stories_month": await _timed(
                    "topStories(month, views, 10)",
                    200,
                    lambda: queries.top_stories(TENANT, month, "views", 10),
                ),
                "story_reach_curve": await _timed(
                    "storyReach(story) (5 channels × 100 points)",
                    200,
                    lambda: queries.story_reach(TENANT, rng.choice(stories), [MONTH]),
                ),
                "top_stories_week": await _timed(
                    "topStories(7 days, views, 10) (bucket scan)",
                    3,
                    lambda: queries.top_stories(TENANT, week, "views", 10),
                ),
                "reach_by_channel_month": await _timed(
                    "reachByChannel(month) (channel days)",
                    20,
                    lambda: queries.totals_by(TENANT, month, "channel"),
                ),
                "reach_by_column_week": await _timed(
                    "reachByColumn(7 days) (channel days)",
                    20,
                    lambda: queries.totals_by(TENANT, week, "column_id"),
                ),
                "person_reach_month": await _timed(
                    "personReach(person, month)",
                    20,
                    lambda: queries.person_reach(TENANT, f"u{rng.randrange(60)}", MONTH),
                ),
            }
            times = []
            facts = StoryFacts("采样", "c1", {"reporter": "u1"})
            previous: dict[str, int] = {}
            for slot in range(1, 201):
                values = {"views": slot * 10, "likes": slot}
                started = time.perf_counter()
                await record_point(
                    tenant=TENANT,
                    publication_id="sample:app",
                    story_id="sample",
                    channel="app",
                    slot=slot,
                    at_ms=day_start_ms(f"{MONTH}-20") + slot * 60_000,
                    previous=previous,
                    values=values,
                    story=facts,
                )
                times.append((time.perf_counter() - started) * 1000)
                previous = values
            out["record_point"] = {
                "p50_ms": round(percentile(times, 0.5), 2),
                "p95_ms": round(percentile(times, 0.95), 2),
                "runs": 200,
            }
            print(
                f"  {'record_point (series, bucket, rollup, day)':<44} p50 {out['record_point']['p50_ms']:>8.2f} ms   "
                f"p95 {out['record_point']['p95_ms']:>8.2f} ms",
                flush=True,
            )
        finally:
            await db.close()
    return out


def main() -> dict[str, Any]:
    pubs = int(os.environ.get("RONGHUB_BENCH_PUBS", "10000"))
    points = int(os.environ.get("RONGHUB_BENCH_POINTS", "100"))
    with tempfile.TemporaryDirectory(prefix="reach-bench-") as tmp:
        result = asyncio.run(run(pubs, points, Path(tmp)))
    q = result["queries"]
    result["targets_met"] = (
        q["top_stories_month"]["p95_ms"] <= 50 and q["story_reach_curve"]["p95_ms"] <= 50
    )
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["targets_met"] else 1)
