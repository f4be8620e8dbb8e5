"""Recording counts on the real store: a retried fetch is never counted twice, a
platform's rate limit holds across workers, and the app's read counts are flushed
and summed."""

from __future__ import annotations

import pytest

from hub.ids import new_id
from hub.jobs.documents import JobDoc, JobState
from hub.reach.collect import StoryFacts, record_point, take_rate_slot
from hub.reach.documents import AppReadDoc, ReachBucketDoc, ReachSeriesDoc, ReachStoryMonthDoc
from hub.reach.reads import ReadCounter, read_counts
from hub.reach.schedule import day_of, month_of
from tests.distribution.test_engine import Rig

pytestmark = pytest.mark.usefixtures("hub_url")
AT = 1_796_052_600_000  # 2026-11-30 23:30 China time


async def test_a_retried_point_is_recorded_once_in_its_bucket_and_its_rollup() -> None:
    tenant, story = "reach-" + new_id(), new_id()
    facts = StoryFacts("防汛演练", "col-1", {"reporter": "li"})
    for _ in range(2):  # the job ran twice (a crash after writing, before finishing)
        gain = await record_point(tenant=tenant, publication_id=f"{story}:douyin", story_id=story, channel="douyin", slot=1,
                                  at_ms=AT, previous={}, values={"views": 100}, story=facts)  # fmt: skip
        assert gain == {"views": 100}
    await record_point(tenant=tenant, publication_id=f"{story}:douyin", story_id=story, channel="douyin", slot=2,
                       at_ms=AT + 60_000, previous={"views": 100}, values={"views": 160, "likes": 4}, story=facts)  # fmt: skip
    series = await ReachSeriesDoc.get(f"{tenant}:{story}:{month_of(AT)}")
    assert series is not None and series.tenant == tenant and series.channels == {f"{story}:douyin": "douyin"}
    points = series.points[f"{story}:douyin"]
    assert [points[k]["values"]["views"] for k in sorted(points)] == [100, 160]
    bucket = await ReachBucketDoc.get(f"{story}:douyin:{month_of(AT)}")
    assert bucket is not None and bucket.tenant == tenant and bucket.last_slot == 2
    assert bucket.gain == {"views": 160, "likes": 4} and bucket.latest == {"views": 160, "likes": 4}
    assert bucket.days == {day_of(AT): {"views": 160, "likes": 4}}
    roll = await ReachStoryMonthDoc.get(f"{tenant}:{story}:{month_of(AT)}")
    assert roll is not None and roll.totals == {"views": 160, "likes": 4} and roll.channels == {"douyin": {"views": 160, "likes": 4}}
    assert roll.people == {"reporter": "li"} and roll.column_id == "col-1"


async def test_a_platform_s_rate_limit_is_shared_and_resets_each_minute() -> None:
    tenant = "reach-" + new_id()
    minute = AT - AT % 60_000
    assert [await take_rate_slot(tenant, "wechat", 2, minute + i) for i in range(2)] == [None, None]
    wait = await take_rate_slot(tenant, "wechat", 2, minute + 15_000)
    assert wait is not None and 44 < wait <= 45.01
    assert await take_rate_slot(tenant, "wechat", 2, minute + 60_000) is None
    assert await take_rate_slot(tenant, "douyin", 2, minute + 15_000) is None  # each channel its own limit


async def test_minutes_gone_by_of_the_rate_limit_are_cleared_by_a_new_minute_s_first_fetch() -> None:
    from hub.reach.documents import MetricsRateDoc

    tenant = "reach-" + new_id()
    minute = AT - AT % 60_000
    for m in range(3):
        await take_rate_slot(tenant, "wechat", 5, minute + m * 60_000)
    assert len(await MetricsRateDoc.find({"tenant": tenant}).to_list()) == 3  # all within ten minutes
    await take_rate_slot(tenant, "wechat", 5, minute + 13 * 60_000)  # minutes 0-2 are over ten minutes old
    later = await take_rate_slot(tenant, "wechat", 5, minute + 13 * 60_000 + 1)  # not the first: no sweep
    assert later is None
    kept = await MetricsRateDoc.find({"tenant": tenant}).to_list()
    assert [d.id for d in kept] == [f"{tenant}:wechat:{minute // 60_000 + 13}"]


async def test_a_fetch_over_the_rate_limit_waits_without_using_up_an_attempt() -> None:
    rig = Rig(metrics_after_s=(0.0,))
    rig.engine.channel_config = {"wall": {"metrics": {"per_minute": 1}}}
    for title in ("一", "二"):
        await rig.approve(await rig.story(["wall"], title=title))
    await rig.drain()
    assert rig.platform.metrics_fetches == 1
    jobs = await JobDoc.find({"tenant": rig.scope.tenant, "consumer": rig.engine.metrics_name}).to_list()
    waiting = [j for j in jobs if j.state == JobState.PENDING]
    assert len(waiting) == 1 and waiting[0].attempts == 0 and waiting[0].ready_at > 0


async def test_the_app_s_reads_are_flushed_as_counts_per_story_and_hour() -> None:
    tenant = "reach-" + new_id()
    counter = ReadCounter()
    counter.read(tenant, ["s1"], "Mozilla/5.0 (iPhone)", AT)
    counter.read(tenant, ["s1"], "Mozilla/5.0 (iPhone)", AT + 3_600_000)
    counter.beacon(tenant, "s1", 30_000, True, "Mozilla/5.0 (iPhone)", AT)
    counter.beacon(tenant, "s1", 5_000, False, "Mozilla/5.0 (iPhone)", AT)
    assert await counter.flush() == 2 and counter.pending == {}
    counter.read(tenant, ["s1"], "Mozilla/5.0 (iPhone)", AT)
    await counter.flush()
    assert await read_counts(tenant, "s1") == {"reads": 3, "completions": 1, "beacons": 2, "dwell_ms": 35_000}
    rows = await AppReadDoc.find({"tenant": tenant}).to_list()
    assert sorted((r.hour, r.reads) for r in rows) == [("2026-11-30T23", 2), ("2026-12-01T00", 1)]
    assert set(AppReadDoc.model_fields) == {"id", "tenant", "story_id", "hour", "reads", "completions", "beacons", "dwell_ms",
                                            "revision_id"}  # no reader, address or device  # fmt: skip
