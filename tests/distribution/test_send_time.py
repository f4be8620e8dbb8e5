"""可管可控 at send time: whatever path a send takes (first delivery, retry, replay, a job
whose due time came), it goes out only while its revision is still the one approved for
the channel and the story has not been taken down; otherwise the publication ends
`cancelled` and its ledger says why."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from ronghub_sdk import ChannelInfo, RenderContext, StoryInput, Variant, hookimpl

from hub.distribution import publications as pubs
from hub.distribution.states import PubState
from hub.domain.retry import RetryPolicy
from hub.domain.story import StoryStatus
from hub.ids import now_ms
from hub.jobs import queue
from hub.jobs.documents import JobDoc
from hub.jobs.worker import Worker
from hub.store.documents import CounterDoc, StoryDoc
from tests.conftest import run_until_idle
from tests.distribution.channels_for_tests import Wall
from tests.distribution.test_engine import Rig

pytestmark = pytest.mark.usefixtures("hub_url")


@pytest.fixture
def rig() -> Rig:
    return Rig()


async def _head(rig: Rig, story_id: str) -> StoryDoc:
    doc = await StoryDoc.get(story_id)
    assert doc is not None
    return doc


async def _dead_job(rig: Rig, pub_id: str) -> JobDoc:
    [dead] = [
        d for d in await queue.dead_letters(rig.scope) if d.payload.get("publication_id") == pub_id
    ]
    return dead


async def test_replaying_a_failed_publication_after_a_takedown_sends_nothing_and_says_why(
    rig: Rig,
) -> None:
    rig.platform.reject_with = "平台域名解析失败"
    story = await rig.approve(await rig.story(["paper", "wall"]))
    await rig.drain()
    failed = (await rig.publications(story.id))[("wall", "publish")]
    assert failed.state == PubState.FAILED
    head = await _head(rig, story.id)
    await rig.stories.request_takedown(story.id, head.version, "信息有误,撤稿")
    await rig.drain()

    rig.platform.reject_with = None  # the platform would take it now
    calls = rig.platform.calls
    await queue.replay(rig.scope, (await _dead_job(rig, failed.id)).id)
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert (
        pub.state == PubState.CANCELLED and rig.platform.calls == calls and rig.platform.items == {}
    )
    last = pub.entries()[-1]
    assert last.evidence["code"] == "PUBLICATION_WITHDRAWN" and "撤稿" in (last.note or "")
    assert pub.last_error == last.note
    assert await rig.engine.sendable(pub) is not None  # replayPublication refuses it up front too


async def test_a_retry_due_after_the_takedown_does_not_send(rig: Rig) -> None:
    rig.engine.policy = RetryPolicy(max_attempts=4, base_seconds=3_600)
    rig.worker = Worker(rig.engine.consumers(), idle_sleep=0)
    rig.platform.throttle = 1  # the first attempt is throttled; its retry is due in about an hour
    story = await rig.approve(await rig.story(["wall"]))
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.DELIVERING and rig.platform.items == {}
    await rig.stories.request_takedown(story.id, (await _head(rig, story.id)).version, "撤稿")
    await rig.drain()
    await JobDoc.get_pymongo_collection().update_one(
        {"_id": JobDoc.make_id(rig.engine.deliver_name, pub.id)}, {"$set": {"ready_at": 0}}
    )  # the hour has passed
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.CANCELLED and rig.platform.items == {} and rig.platform.calls == 1
    assert pub.entries()[-1].evidence["code"] == "PUBLICATION_WITHDRAWN"


async def test_a_correction_superseded_by_a_later_correction_is_never_sent(rig: Rig) -> None:
    story = await rig.approve(await rig.story(["wall"], title="原稿"))
    await rig.drain()
    head = await rig.stories.update(
        story.id, (await _head(rig, story.id)).version, {"title": "第一次更正"}
    )
    rig.platform.reject_with = "平台维护中"
    await rig.approve(head)
    await rig.drain()
    first = (await rig.publications(story.id))[("wall", "correct")]
    assert first.revision == 2 and first.state == PubState.FAILED
    head = await rig.stories.update(
        story.id, (await _head(rig, story.id)).version, {"title": "第二次更正"}
    )
    rig.platform.reject_with = None
    await rig.approve(head)
    await rig.drain()
    texts = {v["text"] for v in rig.platform.items.values()}
    assert texts == {"原稿", "第二次更正"}

    await queue.replay(rig.scope, (await _dead_job(rig, first.id)).id)
    await rig.drain()
    replayed = await pubs.get(first.id)
    assert replayed is not None and replayed.state == PubState.CANCELLED
    assert replayed.entries()[-1].evidence["code"] == "PUBLICATION_SUPERSEDED"
    assert "3" in (replayed.entries()[-1].note or "")
    assert {v["text"] for v in rig.platform.items.values()} == {
        "原稿",
        "第二次更正",
    }  # nothing of revision 2


async def test_a_send_due_under_an_embargo_that_was_moved_later_waits_for_the_new_one() -> None:
    clock = [now_ms()]
    rig = Rig()
    rig.engine.clock = lambda: clock[0]
    first_end = clock[0] + 3_600_000
    story = await rig.story(["wall"])
    await rig.stories.set_status(
        story.id, story.version, StoryStatus.APPROVED, {"embargo_until": first_end}
    )
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    job = await JobDoc.get(JobDoc.make_id(rig.engine.deliver_name, pub.id))
    assert (
        job is not None
        and job.ready_at == first_end
        and job.attempts == 0
        and rig.platform.calls == 0
    )

    later_end = first_end + 3_600_000
    await rig.stories.move_embargo(story.id, later_end)
    clock[0] = first_end + 1  # the old embargo has ended
    await JobDoc.get_pymongo_collection().update_one(
        {"_id": job.id}, {"$set": {"ready_at": 0}}
    )  # and its job is due
    await rig.drain()
    job = await JobDoc.get(job.id)
    assert job is not None and job.ready_at == later_end and rig.platform.calls == 0

    clock[0] = later_end + 1
    await JobDoc.get_pymongo_collection().update_one({"_id": job.id}, {"$set": {"ready_at": 0}})
    await rig.drain()
    assert (await rig.publications(story.id))[("wall", "publish")].state == PubState.LIVE
    assert rig.platform.calls == 1


class Numbered(Wall):
    """`wall` with a number issued once per render (as 政府网站 draws its 索引号)."""

    @hookimpl
    def describe(self) -> ChannelInfo:
        return replace(super().describe(), name="numbered")

    @hookimpl
    def render(
        self, story: StoryInput, overrides: dict[str, Any], context: RenderContext
    ) -> Variant:
        number = context.sequence("numbered:index")
        return Variant(
            "numbered",
            story.story_id,
            story.revision_id,
            {"text": story.title, "index": number, **overrides},
            tenant=story.tenant,
        )


async def _numbers_taken(rig: Rig) -> int:
    counter = await CounterDoc.find_one(
        {"_id": f"{rig.scope.tenant}:seq:numbered:index", "tenant": rig.scope.tenant}
    )
    return int(counter.value) if counter is not None else 0


async def test_a_number_is_drawn_only_after_the_send_time_check_and_never_for_a_withdrawn_story(
    rig: Rig,
) -> None:
    """The render of a send is not checked before it starts (the check right before the send
    follows); a render that draws a number is checked before the number is taken."""
    rig.engine.channels.register(Numbered())
    plan, deliver = rig.engine.consumers()[:2]
    sent = await rig.approve(await rig.story(["numbered"]))
    await rig.drain()
    pub = (await rig.publications(sent.id))[("numbered", "publish")]
    assert pub.state == PubState.LIVE and pub.variant["fields"]["index"] == 1
    assert await _numbers_taken(rig) == 1

    withdrawn = await rig.approve(await rig.story(["numbered"]))
    await run_until_idle(Worker([plan], idle_sleep=0))  # planned, its delivery job made
    head = await _head(rig, withdrawn.id)
    await rig.stories.request_takedown(withdrawn.id, head.version, "撤稿")
    calls = rig.platform.calls
    await run_until_idle(Worker([deliver], idle_sleep=0))  # the delivery comes after the takedown
    pub = (await rig.publications(withdrawn.id))[("numbered", "publish")]
    assert pub.state == PubState.CANCELLED and not pub.variant
    assert pub.entries()[-1].evidence["code"] == "PUBLICATION_WITHDRAWN"
    assert await _numbers_taken(rig) == 1 and rig.platform.calls == calls  # no number, no send
