"""Recording counts on the real store: a retried fetch is never counted twice, a
platform's rate limit holds across workers, and the app's read counts are flushed
and summed."""

from __future__ import annotations

import pytest

from hub.ids import new_id
from hub.jobs.documents import JobDoc, JobState
from hub.reach import queries
from hub.reach.collect import StoryFacts, record_point, take_rate_slot
from hub.reach.documents import (
    AppReadDoc,
    ReachBucketDoc,
    ReachDayDoc,
    ReachSeriesDoc,
    ReachStoryMonthDoc,
)
from hub.reach.reads import ReadCounter, read_counts
from hub.reach.schedule import day_of, month_of
from tests.distribution.test_engine import Rig

pytestmark = pytest.mark.usefixtures("hub_url")
AT = 1_796_052_600_000  # 2026-11-30 23:30 China time


async def test_a_retried_point_is_recorded_once_in_its_bucket_and_its_rollup() -> None:
    tenant, story = "reach-" + new_id(), new_id()
    facts = StoryFacts("防汛演练", "col-1", {"reporter": "li"})
    for _ in range(2):  # the job ran twice (a crash after writing, before finishing)
        point = await record_point(
            tenant=tenant,
            publication_id=f"{story}:douyin",
            story_id=story,
            channel="douyin",
            slot=1,
            at_ms=AT,
            previous={},
            values={"views": 100},
            story=facts,
        )
        assert point.gain == {"views": 100} and point.corrections == {}
    await record_point(
        tenant=tenant,
        publication_id=f"{story}:douyin",
        story_id=story,
        channel="douyin",
        slot=2,
        at_ms=AT + 60_000,
        previous={"views": 100},
        values={"views": 160, "likes": 4},
        story=facts,
    )
    series = await ReachSeriesDoc.get(f"{tenant}:{story}:{month_of(AT)}")
    assert (
        series is not None
        and series.tenant == tenant
        and series.channels == {f"{story}:douyin": "douyin"}
    )
    points = series.points[f"{story}:douyin"]
    assert [points[k]["values"]["views"] for k in sorted(points)] == [100, 160]
    bucket = await ReachBucketDoc.get(f"{story}:douyin:{month_of(AT)}")
    assert bucket is not None and bucket.tenant == tenant and bucket.last_slot == 2
    assert bucket.gain == {"views": 160, "likes": 4} and bucket.latest == {"views": 160, "likes": 4}
    assert bucket.days == {day_of(AT): {"views": 160, "likes": 4}}
    roll = await ReachStoryMonthDoc.get(f"{tenant}:{story}:{month_of(AT)}")
    assert (
        roll is not None
        and roll.totals == {"views": 160, "likes": 4}
        and roll.channels == {"douyin": {"views": 160, "likes": 4}}
    )
    assert roll.people == {"reporter": "li"} and roll.column_id == "col-1"
    daily = await ReachDayDoc.get(f"{tenant}:{day_of(AT)}:douyin")
    assert (
        daily is not None
        and daily.gain == {"views": 160, "likes": 4}
        and daily.columns == {"col-1": {"views": 160, "likes": 4}}
    )


async def _record(
    tenant: str,
    pub: str,
    channel: str,
    slot: int,
    at: int,
    previous: dict[str, int],
    values: dict[str, int],
    column: str | None = "col-1",
) -> dict[str, int]:
    point = await record_point(
        tenant=tenant,
        publication_id=pub,
        story_id=pub.split(":")[0],
        channel=channel,
        slot=slot,
        at_ms=at,
        previous=previous,
        values=values,
        story=StoryFacts("稿", column, {}),
    )
    return point.values


async def test_a_re_run_of_a_whole_collection_does_not_double_a_day() -> None:
    tenant, s1, s2 = (
        "reach-" + new_id(),
        new_id(),
        new_id(),
    )  # publication ids are unique across tenants
    counts = [{"views": 100}, {"views": 300}, {"views": 700}]
    for _ in range(2):  # the collection ran once, then once more from its first fetch
        previous: dict[str, int] = {}
        for slot, values in enumerate(counts, start=1):
            previous = await _record(
                tenant, f"{s1}:wechat", "wechat", slot, AT + slot * 3_600_000, previous, values
            )
    await _record(
        tenant, f"{s2}:wechat", "wechat", 1, AT + 3_600_000, {}, {"views": 50}, column=None
    )
    days = {d.day: d for d in await ReachDayDoc.find({"tenant": tenant}).to_list()}
    assert {day: d.gain for day, d in days.items()} == {
        "2026-12-01": {"views": 750}
    }  # 100 + 200 + 400 + 50, once
    assert days["2026-12-01"].rolled == {f"{s1}:wechat": 3, f"{s2}:wechat": 1}
    month = queries.period("2026-12")
    assert await queries.totals_by(tenant, month, "channel") == [
        ("wechat", {**dict.fromkeys(queries.measures.COUNTERS, 0), "views": 750})
    ]
    by_column = dict(await queries.totals_by(tenant, month, "column_id"))
    assert by_column["col-1"]["views"] == 700 and by_column[None]["views"] == 50
    other = "reach-" + new_id()
    assert await queries.totals_by(other, month, "channel") == []  # another tenant sees none of it


async def test_a_retried_fetch_records_the_point_the_first_attempt_stored_not_the_platform_s_newer_counts() -> (
    None
):
    tenant, s1 = "reach-" + new_id(), new_id()  # publication ids are unique across tenants
    await _record(tenant, f"{s1}:douyin", "douyin", 1, AT, {}, {"views": 100})
    # fetch 2 stored its point, then the worker died; the retry finds the platform at 900
    await record_point(
        tenant=tenant,
        publication_id=f"{s1}:douyin",
        story_id=s1,
        channel="douyin",
        slot=2,
        at_ms=AT + 60_000,
        previous={"views": 100},
        values={"views": 400},
        story=StoryFacts(),
    )
    retry = await record_point(
        tenant=tenant,
        publication_id=f"{s1}:douyin",
        story_id=s1,
        channel="douyin",
        slot=2,
        at_ms=AT + 86_400_000,
        previous={"views": 100},
        values={"views": 900},
        story=StoryFacts(),
    )
    assert (
        retry.values == {"views": 400}
        and retry.at_ms == AT + 60_000
        and retry.gain == {"views": 300}
    )
    await _record(
        tenant, f"{s1}:douyin", "douyin", 3, AT + 2 * 86_400_000, retry.values, {"views": 1_000}
    )
    bucket_nov = await ReachBucketDoc.get(f"{s1}:douyin:{month_of(AT)}")
    bucket_dec = await ReachBucketDoc.get(f"{s1}:douyin:{month_of(AT + 2 * 86_400_000)}")
    assert bucket_nov is not None and bucket_dec is not None
    assert (
        bucket_nov.gain["views"] + bucket_dec.gain["views"] == 1_000
    )  # nothing lost between the two attempts


async def test_a_platform_s_correction_is_kept_apart_from_growth() -> None:
    tenant, s1 = "reach-" + new_id(), new_id()  # publication ids are unique across tenants
    previous = await _record(
        tenant, f"{s1}:douyin", "douyin", 1, AT + 3_600_000, {}, {"views": 5_000, "likes": 80}
    )
    previous = await _record(
        tenant, f"{s1}:douyin", "douyin", 2, AT + 7_200_000, previous, {"views": 4_200, "likes": 90}
    )  # bot views removed
    await _record(
        tenant, f"{s1}:douyin", "douyin", 3, AT + 9_000_000, previous, {"views": 4_500, "likes": 90}
    )
    roll = await ReachStoryMonthDoc.get(f"{tenant}:{s1}:2026-12")
    assert (
        roll is not None
        and roll.totals == {"views": 5_300, "likes": 90}
        and roll.corrections == {"views": 800}
    )
    bucket = await ReachBucketDoc.get(f"{s1}:douyin:2026-12")
    assert (
        bucket is not None
        and bucket.days["2026-12-01"]["views"] == 5_300
        and bucket.corrections == {"views": 800}
    )
    assert bucket.gain["views"] - bucket.corrections["views"] == bucket.latest["views"]
    daily = await ReachDayDoc.get(f"{tenant}:2026-12-01:douyin")
    assert (
        daily is not None and daily.gain["views"] == 5_300 and daily.corrections == {"views": 800}
    )
    assert await queries.corrections_by_channel(tenant, queries.period("2026-12")) == {
        "douyin": {"views": 800}
    }
    (series,) = await queries.story_reach(tenant, s1, ["2026-12"])
    assert [(day, gain["views"], taken) for day, gain, _, taken in series.days] == [
        ("2026-12-01", 5_300, {"views": 800})
    ]


async def test_a_platform_s_rate_limit_is_shared_and_resets_each_minute() -> None:
    tenant = "reach-" + new_id()
    minute = AT - AT % 60_000
    assert [await take_rate_slot(tenant, "wechat", 2, minute + i) for i in range(2)] == [None, None]
    wait = await take_rate_slot(tenant, "wechat", 2, minute + 15_000)
    assert wait is not None and 44 < wait <= 45.01
    assert await take_rate_slot(tenant, "wechat", 2, minute + 60_000) is None
    assert (
        await take_rate_slot(tenant, "douyin", 2, minute + 15_000) is None
    )  # each channel its own limit


async def test_minutes_gone_by_of_the_rate_limit_are_cleared_by_a_new_minute_s_first_fetch() -> (
    None
):
    from hub.reach.documents import MetricsRateDoc

    tenant = "reach-" + new_id()
    minute = AT - AT % 60_000
    for m in range(3):
        await take_rate_slot(tenant, "wechat", 5, minute + m * 60_000)
    assert (
        len(await MetricsRateDoc.find({"tenant": tenant}).to_list()) == 3
    )  # all within ten minutes
    await take_rate_slot(
        tenant, "wechat", 5, minute + 13 * 60_000
    )  # minutes 0-2 are over ten minutes old
    later = await take_rate_slot(
        tenant, "wechat", 5, minute + 13 * 60_000 + 1
    )  # not the first: no sweep
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
    jobs = await JobDoc.find(
        {"tenant": rig.scope.tenant, "consumer": rig.engine.metrics_name}
    ).to_list()
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
    assert await read_counts(tenant, "s1") == {
        "reads": 3,
        "completions": 1,
        "beacons": 2,
        "dwell_ms": 35_000,
    }
    rows = await AppReadDoc.find({"tenant": tenant}).to_list()
    assert sorted((r.hour, r.reads) for r in rows) == [("2026-11-30T23", 2), ("2026-12-01T00", 1)]
    assert set(AppReadDoc.model_fields) == {
        "id",
        "tenant",
        "story_id",
        "hour",
        "reads",
        "completions",
        "beacons",
        "dwell_ms",
        "revision_id",
    }  # no reader, address or device
