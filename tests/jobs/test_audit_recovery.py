"""A story change and its audit entry cannot come apart: the entry travels in the change's
outbox event, and if the writer dies before appending it, the recovery job does."""

from __future__ import annotations

import pytest

from hub.audit import log as audit_log
from hub.audit.recover import CONSUMER, recover, recover_consumer
from hub.domain.story import StoryStatus
from hub.ids import new_id, now_ms
from hub.jobs import queue, relay
from hub.jobs.documents import JobDoc
from hub.store import stories as story_store
from hub.store.documents import StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import CommandCounter

pytestmark = pytest.mark.usefixtures("hub_url")  # Beanie is initialised by the hub


class WriterDied(Exception):
    pass


def repo() -> StoryRepository:
    return StoryRepository(Scope(tenant="audit-" + new_id(), actor="editor-1", public_only=False))


async def story_entries(tenant: str, story_id: str) -> list[audit_log.AuditEntryDoc]:
    return [e for e in reversed(await audit_log.entries(tenant, 100)) if e.target_id == story_id]


async def run_recovery(story_id: str, delay_seconds: float = 0.0) -> None:
    """Relay the story's events to the recovery consumer alone (other tests' stories are
    left to their own consumers), then run every due recovery job."""
    doc = await StoryDoc.get(story_id)
    assert doc is not None
    await relay.relay_story(doc, [recover_consumer(delay_seconds)])
    while (job := await queue.claim(CONSUMER, "test-recovery", 60_000)) is not None:
        await queue.complete(job, await recover(job))


async def test_a_writer_that_dies_after_the_change_loses_no_audit_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stories = repo()
    tenant = stories.scope.tenant
    doc = await stories.create({"title": "县城秋收", "body_text": "稻谷丰收。"})

    async def die(tenant: str, event: object) -> None:
        raise WriterDied

    monkeypatch.setattr(story_store, "record_story", die)
    with pytest.raises(WriterDied):  # the change is stored, its audit append never happens
        await stories.update(doc.id, 1, {"title": "县城秋收(更新)"})
    with pytest.raises(WriterDied):
        await stories.set_status(doc.id, 2, StoryStatus.APPROVED)
    monkeypatch.undo()

    stored = await StoryDoc.get(doc.id)
    assert stored is not None and stored.version == 3 and stored.status == StoryStatus.APPROVED
    assert [e.action for e in await story_entries(tenant, doc.id)] == ["story.create"]

    await run_recovery(doc.id)
    entries = await story_entries(tenant, doc.id)
    assert [(e.action, e.actor) for e in entries] == [
        ("story.create", "editor-1"),
        ("story.update", "editor-1"),
        ("story.status.approved", "editor-1"),
    ]
    update, approve = entries[1], entries[2]
    assert update.details["recovered"] is True and update.details["version"] == 2
    assert update.details["content_hash"] == stored.content_hash
    assert approve.details["status"] == "approved" and approve.details["happened_at"] > 0
    assert "recovered" not in entries[0].details  # written by the writer itself
    checked, problems = await audit_log.verify(tenant)
    assert checked == 3 and problems == []

    await run_recovery(doc.id)  # again: nothing twice
    assert len(await story_entries(tenant, doc.id)) == 3


async def test_a_writer_that_lives_writes_each_entry_once_and_the_safety_net_adds_nothing() -> None:
    stories = repo()
    tenant = stories.scope.tenant
    doc = await stories.create({"title": "岚溪新闻", "body_text": "一"})
    doc = await stories.update(doc.id, 1, {"title": "岚溪新闻二"})
    doc = await stories.request_takedown(doc.id, 2, "信息有误")
    entries = await story_entries(tenant, doc.id)
    assert [e.action for e in entries] == ["story.create", "story.update", "story.takedown"]
    assert all(e.key for e in entries) and len({e.key for e in entries}) == 3
    # the relay finds every entry written: no recovery job at all
    await run_recovery(doc.id)
    assert await JobDoc.find({"consumer": CONSUMER, "tenant": tenant}).to_list() == []
    assert len(await story_entries(tenant, doc.id)) == 3


async def test_a_relay_faster_than_the_writer_leaves_a_job_that_finds_the_entry_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stories = repo()
    tenant = stories.scope.tenant
    late: list[object] = []

    async def not_yet(tenant: str, event: object) -> None:
        late.append(event)

    monkeypatch.setattr(story_store, "record_story", not_yet)
    doc = await stories.create({"title": "抢先", "body_text": "一"})
    monkeypatch.undo()
    stored = await StoryDoc.get(doc.id)
    assert stored is not None
    await relay.relay_story(stored, [recover_consumer(3600)])  # before the writer's append
    jobs = await JobDoc.find({"consumer": CONSUMER, "tenant": tenant}).to_list()
    assert len(jobs) == 1 and jobs[0].open and jobs[0].ready_at > now_ms() + 3_000_000  # not due
    await story_store.record_story(tenant, late[0])  # the writer gets there
    await JobDoc.get_pymongo_collection().update_many(
        {"consumer": CONSUMER, "tenant": tenant}, {"$set": {"ready_at": 0}}
    )
    while (job := await queue.claim(CONSUMER, "test-recovery", 60_000)) is not None:
        await queue.complete(job, await recover(job))
    assert [e.action for e in await story_entries(tenant, doc.id)] == ["story.create"]
    done = await JobDoc.get(jobs[0].id)
    assert done is not None and not done.open and done.result == {"present": jobs[0].key}


async def test_the_relay_looks_up_all_the_entries_of_a_sweep_at_once(
    monkeypatch: pytest.MonkeyPatch, command_counter: CommandCounter
) -> None:
    """One look in the audit log for all the events relayed together (one per event was a
    round trip per change, issue 15); a job only for the entries that are missing."""
    stories = repo()
    doc = await stories.create({"title": "县城秋收", "body_text": "稻谷丰收。"})  # entry written

    async def die(tenant: str, event: object) -> None:
        raise WriterDied

    monkeypatch.setattr(story_store, "record_story", die)
    for version, title in ((1, "县城秋收(一)"), (2, "县城秋收(二)")):
        with pytest.raises(WriterDied):
            await stories.update(doc.id, version, {"title": title})
    monkeypatch.undo()
    stored = await StoryDoc.get(doc.id)
    assert stored is not None and len(stored.outbox) == 3
    command_counter.clear()
    assert await relay.relay_story(stored, [recover_consumer(0)]) == 2
    assert command_counter.targets.count(("find", "audit_log")) == 1
    jobs = await JobDoc.find({"consumer": CONSUMER, "payload.story_id": doc.id}).to_list()
    assert sorted(j.payload["version"] for j in jobs) == [2, 3]  # the two updates'
