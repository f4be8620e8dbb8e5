"""The outbox relay, the leased job queue and the worker, against the real store."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hub.clock import SteppedClock
from hub.domain.retry import RetryPolicy
from hub.domain.story import StoryStatus
from hub.ids import new_id, now_ms
from hub.jobs import queue, relay
from hub.jobs.consumers import Consumer, PermanentFailure, RetryLater
from hub.jobs.documents import JobDoc, JobState
from hub.jobs.worker import Worker
from hub.store.documents import StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import CommandCounter

pytestmark = pytest.mark.usefixtures("hub_url")  # Beanie is initialised by the hub


def repo() -> StoryRepository:
    return StoryRepository(Scope(tenant="jobs-" + new_id(), actor="tester", public_only=False))


class Recorder:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, job: JobDoc) -> dict[str, Any]:
        self.seen.append(job.payload)
        return {"ok": True}


def consumer(handler: Any, **kw: Any) -> Consumer:
    return Consumer(name="test-" + new_id(), kinds=("story.",), handler=handler, **kw)


async def relay_only(doc_id: str, consumers: list[Consumer]) -> int:
    doc = await StoryDoc.get(doc_id)
    assert doc is not None
    return await relay.relay_story(doc, consumers)


async def test_every_story_change_reaches_the_consumer_once_in_order() -> None:
    stories = repo()
    doc = await stories.create({"title": "事件", "body_text": "一"})
    doc = await stories.update(doc.id, 1, {"title": "事件二"})
    doc = await stories.set_status(doc.id, 2, StoryStatus.PUBLISHED)
    rec = Recorder()
    c = consumer(rec)
    assert await relay_only(doc.id, [c]) == 3
    assert await relay_only(doc.id, [c]) == 0  # outbox cleared
    worker = Worker([c])
    await worker.run_once()  # the sweep also relays other tests' stories: look at ours
    mine = [p for p in rec.seen if p["story_id"] == doc.id]
    assert [p["event"] for p in mine] == ["story.created", "story.updated", "story.status"]
    assert [p["version"] for p in mine] == [1, 2, 3]
    assert mine[2]["data"] == {"from": "draft", "to": "published"}
    await worker.run_once()
    assert len([p for p in rec.seen if p["story_id"] == doc.id]) == 3


async def test_relaying_the_same_events_twice_creates_no_duplicate_jobs() -> None:
    stories = repo()
    doc = await stories.create({"title": "重放", "body_text": "x"})
    c = consumer(Recorder())
    # a crash after creating jobs but before clearing the outbox: relay sees the entries again
    stale = await StoryDoc.get(doc.id)
    assert stale is not None and stale.outbox
    assert await relay.relay_story(stale, [c]) == 1
    assert await relay.relay_story(stale, [c]) == 0
    assert (
        await JobDoc.find({"consumer": c.name}).to_list()
        and len(await JobDoc.find({"consumer": c.name}).to_list()) == 1
    )


async def test_a_transient_failure_is_retried_after_backoff_and_retry_after() -> None:
    calls = 0

    async def flaky(job: JobDoc) -> None:
        nonlocal calls
        calls += 1
        raise RetryLater("429 Too Many Requests", after_seconds=30)

    c = consumer(flaky, policy=RetryPolicy(max_attempts=5, base_seconds=1))
    doc = await repo().create({"title": "限流", "body_text": "x"})
    await relay_only(doc.id, [c])
    before = now_ms()
    await Worker([c]).run_once()
    job = (await JobDoc.find({"consumer": c.name}).to_list())[0]
    assert calls == 1
    assert job.state == JobState.PENDING and job.open
    assert job.attempts == 1
    assert job.ready_at >= before + 30_000  # honours Retry-After over the shorter backoff
    assert job.last_error == "429 Too Many Requests"


async def test_a_permanent_failure_goes_to_dead_letter_and_can_be_replayed() -> None:
    outcomes = [PermanentFailure("平台审核未通过: 标题含违规内容"), None]

    async def handler(job: JobDoc) -> None:
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome

    c = consumer(handler)
    stories = repo()
    doc = await stories.create({"title": "驳回", "body_text": "x"})
    await relay_only(doc.id, [c])
    worker = Worker([c])
    await worker.run_once()
    dead = await queue.dead_letters(stories.scope, c.name)
    assert [d.last_error for d in dead] == ["平台审核未通过: 标题含违规内容"]
    replayed = await queue.replay(stories.scope, dead[0].id)
    assert replayed.state == JobState.PENDING and replayed.attempts == 0
    await worker.run_once()
    assert (await queue.get(dead[0].id)).state == JobState.DONE  # type: ignore[union-attr]


async def test_another_tenant_cannot_see_or_replay_dead_jobs() -> None:
    async def handler(job: JobDoc) -> None:
        raise PermanentFailure("no")

    c = consumer(handler)
    stories = repo()
    doc = await stories.create({"title": "隔离", "body_text": "x"})
    await relay_only(doc.id, [c])
    await Worker([c]).run_once()
    other = Scope(tenant="other-" + new_id(), actor="x", public_only=False)
    assert await queue.dead_letters(other, c.name) == []
    dead = await queue.dead_letters(stories.scope, c.name)
    with pytest.raises(Exception) as info:
        await queue.replay(other, dead[0].id)
    assert getattr(info.value, "code", None) == "NOT_FOUND"


async def test_retries_stop_after_the_last_attempt() -> None:
    async def broken(job: JobDoc) -> None:
        raise RuntimeError("boom")

    c = consumer(broken, policy=RetryPolicy(max_attempts=2, base_seconds=0.001, cap_seconds=0.001))
    stories = repo()
    doc = await stories.create({"title": "重试", "body_text": "x"})
    await relay_only(doc.id, [c])
    worker = Worker([c])
    for _ in range(5):
        await worker.run_once()
        await asyncio.sleep(0.01)
    job = (await JobDoc.find({"consumer": c.name}).to_list())[0]
    assert job.state == JobState.DEAD and job.attempts == 2
    assert job.last_error == "RuntimeError: boom"


async def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_complete(
    clock: SteppedClock,
) -> None:
    c = consumer(Recorder())
    stories = repo()
    doc = await stories.create({"title": "租约", "body_text": "x"})
    await relay_only(doc.id, [c])
    first = await queue.claim(c.name, "worker-a", lease_ms=60_000)
    assert first is not None
    assert await queue.claim(c.name, "worker-b", lease_ms=60_000) is None  # leased
    clock.advance(60_001)  # the lease runs out
    second = await queue.claim(c.name, "worker-b", lease_ms=60_000)
    assert second is not None and second.id == first.id and second.attempts == 2
    with pytest.raises(queue.LeaseLost):
        await queue.complete(first)
    await queue.complete(second)
    assert await queue.claim(c.name, "worker-c", lease_ms=60_000) is None


async def test_concurrent_workers_run_each_job_exactly_once() -> None:
    rec = Recorder()
    c = consumer(rec)
    stories = repo()
    ids = [(await stories.create({"title": f"并发{i}", "body_text": "x"})).id for i in range(30)]
    for i in ids:
        await relay_only(i, [c])
    workers = [Worker([c], owner=f"w{n}") for n in range(4)]
    await asyncio.gather(*(w.run_once() for w in workers))
    assert sorted(p["story_id"] for p in rec.seen if p["story_id"] in set(ids)) == sorted(ids)


async def test_a_future_job_waits_for_its_due_time() -> None:
    c = consumer(Recorder())
    tenant = "jobs-" + new_id()
    assert await queue.enqueue(
        tenant, c.name, "story.scheduled", "k1", {"x": 1}, ready_at=now_ms() + 60_000
    )
    assert await queue.claim(c.name, "w", 1000) is None
    assert not await queue.enqueue(tenant, c.name, "story.scheduled", "k1", {"x": 2})


async def test_a_worker_makes_the_jobs_of_consumers_another_process_runs_and_leaves_them_to_it() -> (
    None
):
    stories = repo()
    doc = await stories.create({"title": "旁路", "body_text": "x"})
    mine, elsewhere = Recorder(), Recorder()
    here, there = consumer(mine), consumer(elsewhere)
    await Worker([here], relay_also=[there]).run_once()
    assert [p["event"] for p in mine.seen if p["story_id"] == doc.id] == ["story.created"]
    left = await JobDoc.find({"consumer": there.name, "payload.story_id": doc.id}).to_list()
    assert [(j.state, j.payload["event"]) for j in left] == [
        (JobState.PENDING, "story.created")
    ] and not elsewhere.seen
    await Worker([there]).run_once()  # the other process
    assert [p["event"] for p in elsewhere.seen if p["story_id"] == doc.id] == ["story.created"]


def test_a_worker_process_without_the_search_index_still_relays_story_events_to_search() -> None:
    from hub.jobs.runner import WorkerState
    from hub.wiring import builtin_consumers, consumers_elsewhere

    state = WorkerState(settings=None, database=None, distribution=None)  # type: ignore[arg-type]
    assert "search.index" not in [c.name for c in builtin_consumers(state)]
    assert [c.name for c in consumers_elsewhere(state)] == ["search.index"]
    assert (
        consumers_elsewhere(
            WorkerState(settings=None, database=None, distribution=None, search=object())
        )
        == []
    )  # type: ignore[arg-type]


async def test_a_store_outage_in_a_handler_never_uses_up_the_jobs_retries() -> None:
    from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

    outages = [
        AutoReconnect("connection closed"),
        ServerSelectionTimeoutError("no server"),
        AutoReconnect("x"),
    ]
    done = []

    async def handler(job: JobDoc) -> None:
        if outages:
            raise outages.pop(0)
        done.append(job.id)

    # two attempts allowed: three outages in a row would dead-letter it if they counted
    c = consumer(handler, policy=RetryPolicy(max_attempts=2, base_seconds=0.001, cap_seconds=0.001))
    doc = await repo().create({"title": "断库", "body_text": "x"})
    await relay_only(doc.id, [c])
    worker = Worker([c])
    for _ in range(3):
        await worker.run_once()
        job = (await JobDoc.find({"consumer": c.name}).to_list())[0]
        assert job.state == JobState.PENDING and job.open and job.attempts == 0
        assert job.last_error is None  # an outage is not the job's failure
        await JobDoc.get_pymongo_collection().update_one(
            {"_id": job.id}, {"$set": {"ready_at": now_ms()}}
        )
    await worker.run_once()
    job = (await JobDoc.find({"consumer": c.name}).to_list())[0]
    assert job.state == JobState.DONE and done == [job.id]


async def test_a_full_disk_in_a_handler_gives_the_job_back_too() -> None:
    import errno

    calls = 0

    async def handler(job: JobDoc) -> None:
        nonlocal calls
        calls += 1
        raise OSError(errno.ENOSPC, "No space left on device")

    c = consumer(handler, policy=RetryPolicy(max_attempts=1))
    doc = await repo().create({"title": "满盘", "body_text": "x"})
    await relay_only(doc.id, [c])
    await Worker([c]).run_once()
    job = (await JobDoc.find({"consumer": c.name}).to_list())[0]
    assert calls == 1
    assert job.state == JobState.PENDING and job.attempts == 0  # not dead after its only attempt


async def test_a_consumer_with_concurrency_has_that_many_jobs_running_at_once_and_all_complete() -> (
    None
):
    tenant = "jobs-" + new_id()
    active, peak, done = [0], [0], []
    full = asyncio.Event()

    async def handler(job: JobDoc) -> dict[str, Any]:
        active[0] += 1
        peak[0] = max(peak[0], active[0])
        if active[0] == 4:
            full.set()
        await asyncio.wait_for(full.wait(), 5)  # released once four run side by side
        active[0] -= 1
        done.append(job.key)
        return {"ok": True}

    c = Consumer(name="test-" + new_id(), kinds=(), handler=handler, concurrency=4)
    for n in range(10):
        await queue.enqueue(tenant, c.name, "publication", f"p{n}", {})
    assert await Worker([c]).run_once() == 10
    assert peak[0] == 4 and sorted(done) == sorted(f"p{n}" for n in range(10))
    left = await JobDoc.find({"consumer": c.name, "open": True}).to_list()
    assert left == []


async def test_an_idle_worker_is_woken_by_a_story_event_or_a_job_made_in_its_process() -> None:
    """No idle pause between an approval and its deliveries (issue 15): a worker that
    would look again only after a minute takes the work made in its process at once."""
    seen = asyncio.Event()
    woke: list[str] = []

    async def handle(job: JobDoc) -> dict[str, Any]:
        woke.append(job.kind)
        seen.set()
        return {}

    c = consumer(handle)
    worker = Worker([c], idle_sleep=60)
    stop = asyncio.Event()
    r = repo()
    running = asyncio.create_task(worker.run(stop))
    try:
        for _ in range(12_000):  # until its first pass is over and it idles (2 min at most)
            if worker.idle:
                break
            await asyncio.sleep(0.01)
        assert worker.idle
        started = asyncio.get_running_loop().time()
        await r.create({"title": "唤醒", "body_text": "正文"})
        await asyncio.wait_for(seen.wait(), 30)  # far less than the minute's pause
        seen.clear()
        await queue.enqueue(r.scope.tenant, c.name, "direct", new_id())
        await asyncio.wait_for(seen.wait(), 30)
        assert woke == ["story.created", "direct"]
        assert asyncio.get_running_loop().time() - started < 30
    finally:
        stop.set()
        await running


async def test_jobs_enqueued_side_by_side_go_in_together_each_told_whether_it_was_made(
    command_counter: CommandCounter,
) -> None:
    """Deliveries finishing side by side each schedule a poll or a fetch of counts: the
    jobs enqueued while an insert is at the store go in the next one, not one each."""
    c = consumer(Recorder())
    tenant = "jobs-" + new_id()
    assert await queue.enqueue(tenant, c.name, "direct", "old")
    command_counter.clear()
    keys = [f"k{n}" for n in range(12)] + ["old", "k3"]  # one made before, one twice
    made = await asyncio.gather(
        *(queue.enqueue(tenant, c.name, "direct", k, {"k": k}) for k in keys)
    )
    inserts = [t for t in command_counter.targets if t == ("insert", "jobs")]
    assert 1 <= len(inserts) <= 2, inserts  # the first alone, the others together
    assert made[:12] == [True] * 12 and made[12] is False and made[13] is False
    stored = await JobDoc.find({"consumer": c.name}).to_list()
    assert sorted(j.key for j in stored) == sorted({*keys})
    assert all(j.payload == {"k": j.key} for j in stored if j.key != "old")


async def test_the_consumers_of_a_pass_run_side_by_side() -> None:
    """A pass drains its consumers together: a burst's deliveries do not wait for every
    plan of the pass (here the first consumer's job finishes only once the second's ran)."""
    second_ran = asyncio.Event()

    async def first(job: JobDoc) -> dict[str, Any]:
        await asyncio.wait_for(second_ran.wait(), 30)  # one after the other: never
        return {}

    async def second(job: JobDoc) -> dict[str, Any]:
        second_ran.set()
        return {}

    a = Consumer(name="test-" + new_id(), kinds=(), handler=first)
    b = Consumer(name="test-" + new_id(), kinds=(), handler=second)
    tenant = "jobs-" + new_id()
    await queue.enqueue(tenant, a.name, "direct", "a")
    await queue.enqueue(tenant, b.name, "direct", "b")
    assert await Worker([a, b]).run_once() == 2
    done = await JobDoc.find({"consumer": {"$in": [a.name, b.name]}}).to_list()
    assert [j.state for j in done] == [JobState.DONE, JobState.DONE]
