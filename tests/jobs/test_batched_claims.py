"""A worker's claims taken a slot's worth at a time, finished jobs recorded with the next
claim (hub/jobs/worker.py `_drain`, hub/jobs/queue.py `complete_and_claim`), and what a
crash between the batched steps leaves: a delivery finished but not yet recorded is run
again when its lease runs out, and its platform is not called twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hub.clock import SteppedClock
from hub.distribution.states import PubState
from hub.ids import new_id, now_ms
from hub.jobs import queue
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc, JobState
from hub.jobs.worker import Worker
from tests.conftest import CommandCounter, run_until_idle, wait_until
from tests.distribution.test_engine import Rig

pytestmark = pytest.mark.usefixtures("hub_url")


async def test_jobs_are_claimed_a_slots_worth_at_a_time_and_recorded_with_the_next_claim(
    command_counter: CommandCounter,
) -> None:
    tenant, ran = "jobs-" + new_id(), []

    async def handler(job: JobDoc) -> dict[str, Any]:
        ran.append(job.key)
        return {"n": job.key}

    c = Consumer(name="test-" + new_id(), kinds=(), handler=handler, concurrency=4)
    await queue.enqueue_many(tenant, c.name, "k", [(f"j{n:02d}", {}) for n in range(12)])
    command_counter.clear()
    assert await Worker([c]).run_once() == 12
    trips = [cmd for cmd, coll in command_counter.targets if coll == "jobs"]
    # the look, three claims of four (a write and a find each: the second and third also
    # record the four finished before them), the last four recorded (one or two writes).
    # One claim per freed slot and a write per finished job were 2 + 2 × 12.
    assert len(trips) <= 1 + 3 * 2 + 2, trips
    jobs = await JobDoc.find({"consumer": c.name}).to_list()
    assert sorted(ran) == sorted(j.key for j in jobs) and len(jobs) == 12
    assert {(j.state, j.attempts, j.result["n"] == j.key) for j in jobs} == {
        (JobState.DONE, 1, True)
    }


async def test_a_claimed_job_that_waited_is_beaten_before_it_runs_unless_it_was_taken(
    clock: SteppedClock,
) -> None:
    c = Consumer(name="test-" + new_id(), kinds=(), handler=lambda job: None, lease_seconds=60)
    tenant = "jobs-" + new_id()
    await queue.enqueue_many(tenant, c.name, "k", [("a", {}), ("b", {})])
    first, second = await queue.claim_ids(
        c.name, [JobDoc.make_id(c.name, k) for k in "ab"], "w1", 60_000
    )
    clock.advance(30_000)  # half its lease spent waiting for a slot
    assert await Worker._lease_holds(first, 60_000)
    beaten = await JobDoc.get(first.id)
    assert beaten is not None and beaten.ready_at >= clock.now_ms() + 59_000
    clock.advance(31_000)  # the second one's lease ran out: another worker takes it
    taken = await queue.claim_ids(c.name, [second.id], "w2", 60_000)
    assert [j.id for j in taken] == [second.id]
    assert not await Worker._lease_holds(second, 60_000)


async def test_a_delivery_finished_but_not_recorded_is_run_again_after_its_lease_and_not_resent(
    clock: SteppedClock,
) -> None:
    rig = Rig()
    plan, deliver = rig.engine.consumers()[:2]
    story = await rig.approve(await rig.story(["wall"]))
    await run_until_idle(Worker([plan], idle_sleep=0))  # the plan makes the delivery job
    due = [job_id for job_id, name in await queue.due([deliver.name]) if name == deliver.name]
    assert len(due) == 1
    # a worker claims it with others, delivers, and dies before the claim that would have
    # recorded it (or before the group commit that would have)
    lease_ms = int(deliver.lease_seconds * 1000)
    (job,) = await queue.claim_ids(deliver.name, due, "dying", lease_ms)
    await deliver.handler(job)
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.LIVE and rig.platform.calls == 1
    await run_until_idle(rig.worker)  # still leased to the dead worker: nobody runs it
    assert (await JobDoc.get(job.id)).state == JobState.RUNNING  # type: ignore[union-attr]
    clock.advance(lease_ms + 1)
    await run_until_idle(rig.worker)
    again = await JobDoc.get(job.id)
    assert again is not None and again.state == JobState.DONE and again.attempts == 2
    assert again.result == {"state": PubState.LIVE.value}
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert rig.platform.calls == 1 and len(rig.platform.items) == 1
    assert [e.to_state for e in pub.entries()].count(PubState.LIVE) == 1


async def test_deliveries_claimed_together_read_their_publications_with_one_find(
    command_counter: CommandCounter,
) -> None:
    """A slot's worth of deliveries is claimed at once and each starts as a slot frees:
    their publications are read when they are claimed, one find for the claim
    (`Distribution.read_ahead`), not one each as they start."""
    rig = Rig()
    rig.engine.concurrency = 3
    plan, deliver = rig.engine.consumers()[:2]
    stories = [await rig.approve(await rig.story(["paper", "wall"])) for _ in range(3)]
    await run_until_idle(Worker([plan], idle_sleep=0))
    command_counter.clear()
    await run_until_idle(Worker([deliver], idle_sleep=0))
    for story in stories:
        found = await rig.publications(story.id)
        assert {p.state for p in found.values()} == {PubState.LIVE}
    by_id = [
        flt
        for (cmd, coll), flt in zip(command_counter.targets, command_counter.filters, strict=True)
        if (cmd, coll) == ("find", "publications") and isinstance(flt.get("_id"), dict)
    ]
    # two claims of three: two finds (started one by one, the second claim's were three)
    assert len(by_id) == 2, by_id


async def test_a_finished_job_is_recorded_in_time_while_every_slot_is_busy_with_slow_jobs() -> None:
    """A finish waits for the next claim to go with it only a quarter of its lease: with
    every slot busy with slow jobs and more to claim, it is recorded on its own (its lease
    no longer beats)."""
    tenant, release = "jobs-" + new_id(), asyncio.Event()
    started: list[str] = []

    async def handler(job: JobDoc) -> dict[str, Any]:
        started.append(job.key)
        if job.key in ("b", "d"):  # slow: they hold both slots
            await release.wait()
        return {}

    c = Consumer(
        name="test-" + new_id(), kinds=(), handler=handler, concurrency=2, lease_seconds=0.2
    )
    now = now_ms()
    for n, key in enumerate("abcde"):
        await queue.enqueue(tenant, c.name, "k", key, {}, ready_at=now - 1_000 + n)
    running = asyncio.create_task(Worker([c]).run_once())

    async def c_recorded() -> bool:
        job = await JobDoc.get(JobDoc.make_id(c.name, "c"))
        return job is not None and job.state == JobState.DONE

    try:
        # a and b claimed; a done; c and d claimed with a's record; c done while b and d
        # hold the slots and e waits to be claimed: c is recorded without a claim
        await wait_until(c_recorded, "c recorded while b and d run")
        assert sorted(started) == ["a", "b", "c", "d"] and not running.done()
    finally:
        release.set()
    assert await running == 5
    jobs = await JobDoc.find({"consumer": c.name}).to_list()
    assert {j.state for j in jobs} == {JobState.DONE}
