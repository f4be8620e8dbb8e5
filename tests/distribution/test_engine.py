"""The distribution engine end to end on the real store: plan, deliver, retry, dead
letter, replay, poll, correct and take down, with the ledger as evidence."""

from __future__ import annotations

from collections import Counter

import pytest
from ronghub_sdk import TransportKind

from hub.channels.manager import ChannelManager
from hub.distribution import publications as pubs
from hub.distribution.engine import Distribution
from hub.distribution.readmodel import ReadModelStore
from hub.distribution.states import Action, PubState
from hub.distribution.transports import TransportProvider
from hub.domain.retry import RetryPolicy
from hub.domain.story import StoryStatus
from hub.ids import new_id
from hub.jobs import queue
from hub.jobs.documents import JobDoc
from hub.jobs.worker import Worker
from hub.store.documents import StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.channels.hookcov import covers
from tests.conftest import CommandCounter, run_until_idle
from tests.distribution.channels_for_tests import Paper, Platform, Wall

pytestmark = pytest.mark.usefixtures("hub_url")


class Rig:
    def __init__(self, metrics_after_s: tuple[float, ...] = ()) -> None:
        self.platform = Platform()
        manager = ChannelManager()
        manager.register(Paper())
        manager.register(Wall())
        provider = TransportProvider()
        provider.register(TransportKind.READ_MODEL, lambda c, cfg, t: ReadModelStore())
        provider.register(TransportKind.PLATFORM_API, lambda c, cfg, t: self.platform)
        self.engine = Distribution(
            manager,
            provider,
            prefix="t" + new_id()[-8:],
            poll_interval_s=0.001,
            policy=RetryPolicy(max_attempts=4, base_seconds=0.001, cap_seconds=0.002),
            metrics_after_s=metrics_after_s,
        )
        self.worker = Worker(self.engine.consumers(), idle_sleep=0)
        self.scope = Scope(tenant="dist-" + new_id(), actor="editor-1", public_only=False)
        self.stories = StoryRepository(self.scope)

    async def drain(self) -> None:
        await run_until_idle(self.worker)

    async def approve(self, story: StoryDoc) -> StoryDoc:
        return await self.stories.set_status(story.id, story.version, StoryStatus.APPROVED)

    async def story(self, channels: list[str], title: str = "示例区举行防汛演练") -> StoryDoc:
        return await self.stories.create(
            {"title": title, "body_text": "正文", "channels": channels}
        )

    async def publications(self, story_id: str) -> dict[tuple[str, str], pubs.PublicationDoc]:
        return {
            (p.channel, p.action.value): p for p in await pubs.of_story(self.scope.tenant, story_id)
        }


@pytest.fixture
def rig() -> Rig:
    return Rig()


async def test_one_approved_story_reaches_every_planned_channel_with_a_ledger(rig: Rig) -> None:
    story = await rig.approve(await rig.story(["paper", "wall"]))
    await rig.drain()
    found = await rig.publications(story.id)
    assert {k: p.state for k, p in found.items()} == {
        ("paper", "publish"): PubState.LIVE,
        ("wall", "publish"): PubState.LIVE,
    }
    wall = found[("wall", "publish")]
    assert [e.to_state for e in wall.entries()] == [
        PubState.PLANNED,
        PubState.RENDERING,
        PubState.VALIDATED,
        PubState.DELIVERING,
        PubState.LIVE,
    ]
    assert wall.entries()[-1].evidence["external_id"] == "w1" and wall.url == "https://wall.test/w1"
    assert rig.platform.live_items() == [wall.idempotency_key]
    assert (await StoryDoc.get(story.id)).status == StoryStatus.PUBLISHED  # type: ignore[union-attr]


async def test_the_public_read_model_shows_the_approved_revision_not_later_edits(rig: Rig) -> None:
    story = await rig.approve(await rig.story(["paper"], title="已签发的标题"))
    await rig.drain()
    await rig.stories.update(story.id, story.version + 1, {"title": "尚未审核的改动"})
    public = StoryRepository(Scope(tenant=rig.scope.tenant))
    seen = await public.get(story.id)
    assert seen is not None and seen.title == "已签发的标题" and seen.revision == 1


async def test_a_throttled_platform_is_retried_and_the_item_delivered_once(rig: Rig) -> None:
    rig.platform.throttle = 2
    story = await rig.approve(await rig.story(["wall"]))
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.LIVE
    assert rig.platform.calls == 3 and len(rig.platform.items) == 1


async def test_a_rejection_ends_in_dead_letter_with_the_reason_and_replay_delivers(
    rig: Rig,
) -> None:
    rig.platform.reject_with = "标题含有平台禁止的用语"
    story = await rig.approve(await rig.story(["wall"]))
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.FAILED and pub.last_error == "标题含有平台禁止的用语"
    dead = [
        d for d in await queue.dead_letters(rig.scope) if d.payload.get("publication_id") == pub.id
    ]
    assert [d.last_error for d in dead] == ["标题含有平台禁止的用语"]

    rig.platform.reject_with = None  # the editor fixed the problem on the platform side
    await queue.replay(rig.scope, dead[0].id)
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.LIVE
    assert [e.to_state for e in pub.entries()][-6:] == [
        PubState.FAILED,
        PubState.PLANNED,
        PubState.RENDERING,
        PubState.VALIDATED,
        PubState.DELIVERING,
        PubState.LIVE,
    ]


async def test_a_variant_over_the_channel_limit_fails_with_a_chinese_message_before_delivery(
    rig: Rig,
) -> None:
    story = await rig.approve(
        await rig.story(["wall"], title="这是一个远远超过测试平台二十个字限制的很长很长的标题")
    )
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.FAILED and rig.platform.calls == 0
    assert pub.problems[0]["code"] == "WALL_TEXT_TOO_LONG" and "20" in pub.problems[0]["message_zh"]


async def test_a_story_under_platform_review_is_polled_until_live(rig: Rig) -> None:
    rig.platform.review_polls = 3
    story = await rig.approve(await rig.story(["wall"]))
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.LIVE
    assert [e.to_state for e in pub.entries()][-2:] == [PubState.SUBMITTED, PubState.LIVE]


async def test_a_takedown_reaches_every_channel_the_story_was_on(rig: Rig) -> None:
    story = await rig.approve(await rig.story(["paper", "wall"]))
    await rig.drain()
    story = await StoryDoc.get(story.id)  # type: ignore[assignment]
    await rig.stories.request_takedown(story.id, story.version, "信息有误,撤稿")
    await rig.drain()
    found = await rig.publications(story.id)
    for channel in ("paper", "wall"):
        assert found[(channel, "publish")].state == PubState.RETRACTED
        retract = found[(channel, "retract")]
        assert retract.state == PubState.RETRACTED and retract.action == Action.RETRACT
        assert retract.overrides["reason"] == "信息有误,撤稿"
    assert rig.platform.live_items() == []
    assert await StoryRepository(Scope(tenant=rig.scope.tenant)).get(story.id) is None
    assert (await StoryDoc.get(story.id)).status == StoryStatus.RETRACTED  # type: ignore[union-attr]


async def test_approving_a_corrected_revision_corrects_the_live_item(rig: Rig) -> None:
    story = await rig.approve(await rig.story(["paper"], title="原稿"))
    await rig.drain()
    story = await StoryDoc.get(story.id)  # type: ignore[assignment]
    story = await rig.stories.update(story.id, story.version, {"title": "更正稿"})
    await rig.approve(story)
    await rig.drain()
    found = await rig.publications(story.id)
    assert (
        found[("paper", "correct")].state == PubState.LIVE
        and found[("paper", "correct")].revision == 2
    )
    seen = await StoryRepository(Scope(tenant=rig.scope.tenant)).get(story.id)
    assert seen is not None and seen.title == "更正稿"


async def test_replanning_the_same_approval_creates_no_second_publication(rig: Rig) -> None:
    story = await rig.approve(await rig.story(["wall"]))
    await rig.drain()
    result = await rig.engine._plan_approval(rig.scope.tenant, story.id, 1, {})
    assert result["planned"] == []
    assert len(rig.platform.items) == 1


async def test_channels_receive_the_revisions_media_with_fetchable_urls(rig: Rig) -> None:
    from hub.store.documents import AssetDoc

    asset = AssetDoc(
        tenant=rig.scope.tenant,
        kind="image",
        uri="asset:x",
        blob_key="k/cover.jpg",
        mime="image/jpeg",
        size=1234,
        width=900,
        height=383,
        alt="防汛演练现场",
    )
    await asset.insert()

    async def urls(key: str, mime: str | None) -> str:
        return f"https://media.test/{key}?sig=1"

    rig.engine.media_urls = urls
    rev = (await rig.story(["paper"])).content()
    got = await rig.engine.assets_for(
        rig.scope.tenant, rev.model_copy(update={"cover_asset_id": asset.id})
    )
    assert [(a.id, a.url, a.alt, a.width) for a in got] == [
        (asset.id, "https://media.test/k/cover.jpg?sig=1", "防汛演练现场", 900)
    ]


async def test_a_platform_status_that_lags_behind_ours_is_not_applied_and_polling_goes_on(
    rig: Rig,
) -> None:
    rig.platform.accept_first = (
        True  # the platform says "accepted", then "under review" twice, then "live"
    )
    rig.platform.review_polls = 2
    story = await rig.approve(await rig.story(["wall"]))
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.LIVE
    assert [e.to_state for e in pub.entries()][-2:] == [
        PubState.ACCEPTED,
        PubState.LIVE,
    ]  # no step back


@covers("fetch_metrics")
async def test_a_live_item_s_counts_are_fetched_on_schedule_and_no_longer_once_taken_down() -> None:
    rig = Rig(metrics_after_s=(0.0, 0.001, 3_600))
    story = await rig.approve(await rig.story(["paper", "wall"]))
    await rig.drain()
    wall = (await rig.publications(story.id))[("wall", "publish")]
    assert (
        rig.platform.metrics_fetches == 2
    )  # the third is due in an hour: a stored job, not run yet
    assert (
        wall.metrics["views"] == 200
        and wall.metrics["likes"] == 7
        and "comments" not in wall.metrics
    )  # not reported
    due = await JobDoc.find(
        {"tenant": rig.scope.tenant, "consumer": rig.engine.metrics_name}
    ).to_list()
    assert sorted(j.state.value for j in due) == ["done", "done", "pending"]
    assert not (await rig.publications(story.id))[
        ("paper", "publish")
    ].metrics  # the read model reports no counts
    story = await rig.stories.request_takedown(
        story.id, (await rig.stories.require(story.id)).version, "信息有误"
    )
    await rig.drain()
    assert (await rig.publications(story.id))[("wall", "publish")].state == PubState.RETRACTED
    await JobDoc.get_pymongo_collection().update_many(
        {"tenant": rig.scope.tenant, "consumer": rig.engine.metrics_name}, {"$set": {"ready_at": 0}}
    )  # the hour has passed
    await rig.drain()
    assert rig.platform.metrics_fetches == 2  # taken down: the platform is not asked again


async def test_a_delivery_reads_its_story_once_per_send_check_and_the_channel_settings_once(
    rig: Rig, command_counter: CommandCounter
) -> None:
    """Store round trips of one publication (issue 15: a burst is bound by them)."""
    asked: list[tuple[str, str]] = []

    async def center_settings(tenant: str, channel: str) -> dict[str, object]:
        asked.append((tenant, channel))
        return {}

    rig.engine.tenant_config = center_settings
    story = await rig.approve(await rig.story(["wall"]))
    command_counter.clear()
    await rig.drain()
    assert (await rig.publications(story.id))[("wall", "publish")].state == PubState.LIVE
    reads = Counter(
        coll
        for (cmd, coll), flt in zip(command_counter.targets, command_counter.filters, strict=True)
        if cmd == "find"
        and isinstance(flt, dict)
        and (flt.get("_id") == story.id or flt.get("tenant") == rig.scope.tenant)
    )
    # the check right before the send and the takedown look after it: a render that draws no
    # number (and no embargo) is not checked before (it was 3 reads; at every step, 5)
    assert reads["stories"] == 2, reads
    assert asked == [
        (rig.scope.tenant, "wall")
    ]  # rendering and sending share one read of the center's settings
