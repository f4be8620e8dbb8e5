"""poll_status on its documented schedule: after a delivery the platform is still
reviewing, the hub asks again `poll_interval_s` × 1.5^(n−1) after each answer, and the
platform's change of status arrives through polling into the ledger. Time is the
engine's injected clock; a job becomes due by moving its stored due time, not by waiting."""

from __future__ import annotations

import pytest

from hub.distribution.states import PubState
from hub.ids import now_ms
from hub.jobs.documents import JobDoc
from tests.channels.hookcov import covers
from tests.distribution.test_engine import Rig

pytestmark = pytest.mark.usefixtures("hub_url")


async def _polls(rig: Rig) -> list[JobDoc]:
    return (
        await JobDoc.find({"tenant": rig.scope.tenant, "consumer": rig.engine.poll_name})
        .sort("ready_at")
        .to_list()
    )


async def _due_now(job: JobDoc) -> None:
    await JobDoc.get_pymongo_collection().update_one({"_id": job.id}, {"$set": {"ready_at": 0}})


def test_the_schedule_grows_by_half_up_to_the_eleventh_poll_and_never_past_an_hour() -> None:
    engine = Rig().engine
    engine.poll_interval_s = 5.0
    assert [engine.poll_delay_s(n) for n in (1, 2, 3)] == [5.0, 7.5, 11.25]
    assert engine.poll_delay_s(11) == engine.poll_delay_s(50) == pytest.approx(5 * 1.5**10)
    engine.poll_interval_s = 100.0
    assert engine.poll_delay_s(12) == 3_600.0


@covers("poll_status")
async def test_a_platform_status_change_arrives_through_polling_on_schedule() -> None:
    clock = [now_ms()]
    rig = Rig()
    rig.engine.clock = lambda: clock[0]
    rig.engine.poll_interval_s = 5.0
    rig.platform.review_polls = (
        1  # under review on delivery and at the first poll; live at the second
    )
    story = await rig.approve(await rig.story(["wall"]))
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.SUBMITTED
    [first] = await _polls(rig)
    assert first.ready_at == clock[0] + 5_000 and first.payload["n"] == 1

    clock[0] += 5_000
    await _due_now(first)
    await rig.drain()
    assert (await rig.publications(story.id))[("wall", "publish")].state == PubState.SUBMITTED
    second = next(j for j in await _polls(rig) if j.payload["n"] == 2)
    assert second.payload["n"] == 2 and second.ready_at == clock[0] + 7_500

    clock[0] += 7_500
    await _due_now(second)
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.LIVE
    last = pub.entries()[-1]
    assert (last.from_state, last.to_state, last.evidence["platform_status"]) == (
        PubState.SUBMITTED,
        PubState.LIVE,
        "live",
    )
    assert len(await _polls(rig)) == 2  # a final status: no further poll
