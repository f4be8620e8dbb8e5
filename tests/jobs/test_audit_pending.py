"""Changes other than story writes cannot lose their audit entry either: the entry travels
in the change's own write (hub/audit/pending.py), and if the writer dies before appending
it, the sweep does. Review sign-offs, planning moves and edit locks, each with a writer
that dies right after its change is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.audit import log as audit_log
from hub.audit import pending
from hub.domain.permissions import Grant, ReviewStage, Role
from hub.editing import locks
from hub.editing.documents import StoryLockDoc
from hub.identity import directory
from hub.ids import new_id, now_ms
from hub.jobs import queue
from hub.jobs.documents import JobDoc
from hub.planning.dispatch import DispatchDesk
from hub.planning.documents import AssignmentDoc, LeadDoc
from hub.planning.rules import AssignmentAction, AssignmentKind, LeadSource, TopicAction
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.workflow import rounds, wordlists
from hub.workflow.review import Decision, RoundStatus
from tests.e2e.identity_helpers import make_tenant, system

pytestmark = pytest.mark.usefixtures("hub_url")  # Beanie is initialised by the hub


class WriterDied(BaseException):  # a crash: nothing the writer handles
    pass


def die_on_append(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer's append after its change: it dies there (the change is stored)."""

    async def die(*args: Any, **kwargs: Any) -> None:
        raise WriterDied

    monkeypatch.setattr(pending, "append", die)


async def entries_about(tenant: str, target_id: str) -> list[audit_log.AuditEntryDoc]:
    return [e for e in reversed(await audit_log.entries(tenant, 200)) if e.target_id == target_id]


async def flagged(model: Any, tenant: str) -> list[dict[str, Any]]:
    coll = model.get_pymongo_collection()
    return await coll.find({pending.FLAG: {"$eq": True}, "tenant": {"$eq": tenant}}).to_list()


async def assert_chain_sound(tenant: str) -> None:
    checked, problems = await audit_log.verify(tenant)
    assert checked > 0 and problems == []


def reviewer(tenant: str, stage: ReviewStage) -> Scope:
    return Scope(
        tenant,
        f"reviewer-{stage.value}",
        public_only=False,
        grants=(Grant(Role.REVIEWER, stage=stage),),
    )


async def story_in_review(tenant: str) -> tuple[StoryRepository, str]:
    repo = StoryRepository(system(tenant))
    doc = await repo.create(
        {"title": "岚溪镇秋收", "body_text": "今年秋收,岚溪镇稻谷亩产再创新高。"}
    )
    await rounds.submit_for_review(repo, doc.id, doc.version)
    return repo, doc.id


async def test_a_sign_off_whose_writer_dies_is_recovered_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant()
    _, story_id = await story_in_review(tenant)
    scope = reviewer(tenant, ReviewStage.FIRST)
    pm = wordlists.plugin_manager(None)
    die_on_append(monkeypatch)
    with pytest.raises(WriterDied):
        await rounds.sign_off(
            StoryRepository(scope), scope.principal, story_id, Decision.APPROVE, "同意", pm
        )
    monkeypatch.undo()

    stored = await rounds.round_of(tenant, story_id)
    assert stored is not None and stored.stage_index == 1 and stored.status == RoundStatus.IN_REVIEW
    assert stored.has_audit_pending and len(stored.audit_pending) == 1
    assert "story.review.approve" not in [e.action for e in await entries_about(tenant, story_id)]

    early = await pending.sweep(tenant, older_than_s=3600)  # too young: its writer may still come
    assert early.recovered == [] and early.waiting == 1 and early.next_due is not None
    report = await pending.sweep(tenant, older_than_s=0)
    [key] = report.recovered
    signed = [
        e for e in await entries_about(tenant, story_id) if e.action == "story.review.approve"
    ]
    assert len(signed) == 1 and signed[0].key == key and signed[0].actor == "reviewer-first"
    assert signed[0].details["recovered"] is True and signed[0].details["stage"] == "first"
    assert signed[0].details["happened_at"] <= now_ms() and signed[0].details["opinion"] == "同意"
    after = await rounds.round_of(tenant, story_id)
    assert after is not None and after.audit_pending == {} and not after.has_audit_pending
    await assert_chain_sound(tenant)

    again = await pending.sweep(tenant, older_than_s=0)  # nothing twice
    assert again.recovered == [] and again.present == []
    assert (
        len(
            [e for e in await entries_about(tenant, story_id) if e.action == "story.review.approve"]
        )
        == 1
    )


async def test_a_planning_move_whose_writer_dies_is_recovered_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant()
    desk = DispatchDesk(system(tenant))
    reporter = await directory.UserRepository(system(tenant)).create(
        "rep" + new_id()[-6:], "记者", "pw-" + new_id(), [Grant(Role.REPORTER)]
    )
    lead = await desk.create_lead("桥梁检修", None, LeadSource.CITIZEN, None, None)
    await desk.accept_lead(lead.id)
    topic = await desk.propose_topic("桥梁检修报道", None, ["app"], None, None, [lead.id])
    await desk.decide_topic(topic.id, TopicAction.APPROVE)
    deadline = int((datetime.now(UTC) + timedelta(days=1)).timestamp() * 1000)
    assignment = await desk.dispatch(topic.id, [reporter.id], AssignmentKind.TEXT, deadline, None)

    die_on_append(monkeypatch)
    with pytest.raises(WriterDied):
        await desk.move_assignment(assignment.id, AssignmentAction.CANCEL, "选题调整")
    monkeypatch.undo()
    stored = await desk.assignment(assignment.id)
    assert stored is not None and stored.status.value == "cancelled" and stored.has_audit_pending

    report = await pending.sweep(tenant, older_than_s=0)
    assert len(report.recovered) == 1
    moves = [
        e for e in await entries_about(tenant, assignment.id) if e.action == "assignment.cancel"
    ]
    assert len(moves) == 1 and moves[0].details["recovered"] is True
    assert moves[0].details["status"] == "cancelled" and moves[0].details["reason"] == "选题调整"
    assert [e.action for e in await entries_about(tenant, assignment.id)] == [
        "assignment.dispatch",
        "assignment.cancel",
    ]
    assert await flagged(AssignmentDoc, tenant) == []
    await assert_chain_sound(tenant)
    assert (await pending.sweep(tenant, older_than_s=0)).recovered == []


async def test_a_lock_whose_writer_dies_is_recovered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = await make_tenant()
    editor = Scope(tenant, "editor-1", public_only=False)
    doc = await StoryRepository(editor).create({"title": "抢修", "body_text": "一"})
    die_on_append(monkeypatch)
    with pytest.raises(WriterDied):  # the first lock: an insert that carries its entry
        await locks.acquire(editor, doc.id, 60)
    monkeypatch.undo()
    held = await locks.current(editor, doc.id)
    assert held is not None and held.holder == "editor-1" and held.has_audit_pending

    await locks.release(editor, doc.id)  # a later change by a live writer: its own entry, at once
    actions = [
        e.action for e in await entries_about(tenant, doc.id) if e.action.startswith("story.lock")
    ]
    assert actions == ["story.lock.release"]
    raw = await StoryLockDoc.get_pymongo_collection().find_one({"_id": doc.id})
    assert raw is not None and len(raw["audit_pending"]) == 1 and raw["has_audit_pending"]

    report = await pending.sweep(tenant, older_than_s=0)
    assert len(report.recovered) == 1
    lock_entries = [
        e for e in await entries_about(tenant, doc.id) if e.action.startswith("story.lock")
    ]
    assert [e.action for e in lock_entries] == ["story.lock.release", "story.lock.acquired"]
    assert (
        lock_entries[1].details["recovered"] is True
        and lock_entries[1].details["previous_holder"] is None
    )
    assert lock_entries[1].details["happened_at"] < lock_entries[0].at
    assert await flagged(StoryLockDoc, tenant) == []
    await assert_chain_sound(tenant)


async def test_live_writers_leave_nothing_pending_and_no_duplicates() -> None:
    tenant = await make_tenant()
    _, story_id = await story_in_review(tenant)
    for stage in (ReviewStage.FIRST, ReviewStage.SECOND):
        scope = reviewer(tenant, stage)
        await rounds.sign_off(
            StoryRepository(scope),
            scope.principal,
            story_id,
            Decision.APPROVE,
            "同意",
            wordlists.plugin_manager(None),
        )
    desk = DispatchDesk(system(tenant))
    lead = await desk.create_lead("停水通知", None, LeadSource.CITIZEN, None, None)
    await desk.reject_lead(lead.id, "重复")
    editor = Scope(tenant, "editor-1", public_only=False)
    await locks.acquire(editor, story_id, 60)
    await locks.acquire(editor, story_id, 60)  # a renewal: not audited
    await locks.release(editor, story_id)

    for model in pending.swept_models():
        assert await flagged(model, tenant) == [], model.__name__
    actions = [e.action for e in reversed(await audit_log.entries(tenant, 200))]
    for action in (
        "story.review.submit",
        "story.review.approve",
        "lead.create",
        "lead.reject",
        "story.lock.acquired",
        "story.lock.release",
    ):
        assert action in actions
    assert actions.count("story.review.approve") == 2 and actions.count("story.lock.acquired") == 1
    keyed = [e.key for e in reversed(await audit_log.entries(tenant, 200)) if e.key]
    assert len(keyed) == len(set(keyed)) >= 7
    report = await pending.sweep(tenant, older_than_s=0)
    assert report.recovered == [] and report.waiting == 0
    await assert_chain_sound(tenant)
    assert [r for r in await LeadDoc.find({"tenant": tenant}).to_list() if r.audit_pending] == []


async def test_the_sweep_job_is_scheduled_before_the_change_and_recovers_from_the_queue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant()
    desk = DispatchDesk(system(tenant))
    die_on_append(monkeypatch)
    with pytest.raises(WriterDied):
        await desk.create_lead("夜间施工扰民", None, LeadSource.CITIZEN, None, None)
    monkeypatch.undo()
    jobs = await JobDoc.find(
        {"consumer": pending.CONSUMER, "tenant": tenant, "open": True}
    ).to_list()
    assert len(jobs) == 1 and jobs[0].ready_at > now_ms() - 60_000

    consumer = pending.pending_consumer(3600)  # the entry is younger than that: the job waits
    await JobDoc.get_pymongo_collection().update_many(
        {"_id": jobs[0].id}, {"$set": {"ready_at": 0}}
    )
    job = await queue.claim(pending.CONSUMER, "test", 60_000)
    assert job is not None and job.tenant == tenant
    result = await consumer.handler(job)
    assert result is not None and result["waiting"] == 1
    await queue.complete(job, result)
    later = await JobDoc.find(
        {"consumer": pending.CONSUMER, "tenant": tenant, "open": True}
    ).to_list()
    assert (
        len(later) == 1 and later[0].ready_at >= now_ms() + 3_500_000
    )  # the next sweep, when it is old enough

    await JobDoc.get_pymongo_collection().update_many(
        {"_id": later[0].id}, {"$set": {"ready_at": 0}}
    )
    job = await queue.claim(pending.CONSUMER, "test", 60_000)
    assert job is not None
    result = await pending.pending_consumer(0).handler(job)
    assert result is not None and len(result["recovered"]) == 1  # type: ignore[arg-type]
    await queue.complete(job, result)
    created = [
        e for e in reversed(await audit_log.entries(tenant, 50)) if e.action == "lead.create"
    ]
    assert len(created) == 1 and created[0].details["recovered"] is True
    await assert_chain_sound(tenant)


async def test_an_audited_update_carries_its_entry_and_settled_appends_it_once() -> None:
    """hub/audit/writes.py: the one way an audited single-document change is written."""
    from hub.audit.writes import audited_update, settled
    from hub.editing.documents import StoryLockDoc

    tenant = await make_tenant()
    lock = StoryLockDoc(
        id=new_id(), tenant=tenant, holder="u-1", holder_name="甲", expires_at=now_ms() + 60_000
    )
    await lock.insert()
    entry = await pending.prepare(
        tenant, "u-2", "story.lock.taken_over", "story", lock.id, {"reason": "接班"}
    )
    lost = await audited_update(
        StoryLockDoc,
        tenant,
        {"_id": lock.id, "version": lock.version + 5},
        {"$set": {"holder": "u-2"}},
        entry,
    )
    assert lost is None  # the compare-and-set did not match: nothing written, nothing carried
    assert await flagged(StoryLockDoc, tenant) == []
    won = await audited_update(
        StoryLockDoc,
        tenant,
        {"_id": lock.id, "version": lock.version},
        {"$set": {"holder": "u-2"}, "$inc": {"version": 1}},
        entry,
    )
    assert (
        won is not None
        and won.holder == "u-2"
        and entry.key in won.audit_pending
        and won.has_audit_pending
    )
    assert [d["_id"] for d in await flagged(StoryLockDoc, tenant)] == [
        lock.id
    ]  # the entry waits on the document
    done = await settled(won, entry)
    assert done.audit_pending == {} and not done.has_audit_pending
    assert await flagged(StoryLockDoc, tenant) == []
    assert [(e.action, e.key) for e in await entries_about(tenant, lock.id)] == [
        ("story.lock.taken_over", entry.key)
    ]
    assert (await pending.sweep(tenant, older_than_s=0)).recovered == []  # nothing twice
    await assert_chain_sound(tenant)
