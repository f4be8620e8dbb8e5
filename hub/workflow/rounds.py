"""三审 review rounds, stored: submit for review, sign off stage by stage, 签发, schedule.

The rules are `hub/workflow/review.py` (plain code); this module stores a story's
current round and applies them with the caller's real roles. Every sign-off records
the reviewer and the revision's content hash; the final one approves (签发) exactly
that revision, which hands it to distribution through the story's outbox event (now,
or at the scheduled time through a durable job, `review.publish_at`).

An edit of the story during review or after approval flips its state back to
`in_review` in the same write (hub/store/stories.py); the round follows the new
revision (`after_edit`, re-entering at the chain's stage) the next time it is read.

Scheduling and embargo are hub/workflow/scheduling.py; the queue of a reviewer's stories
is hub/workflow/review_queue.py.

A change of the round carries its audit entry in the round's own write (`store_round`,
hub/audit/pending.py), appended right after (`settle`); entries about a change that
is the story's write (the hold of a scheduled approval, a correction's return to review)
are appended after it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import asdict
from typing import Any, ClassVar

import structlog
from pydantic import Field
from pymongo import IndexModel

from hub.audit import pending
from hub.audit.deferred import record
from hub.audit.fields import CARRIED_FIELDS, AuditPendingFields, pending_index
from hub.audit.writes import audited_update, audited_upsert
from hub.channels.manager import ChannelManager
from hub.domain.permissions import Principal, Role
from hub.domain.story import StoryStatus
from hub.errors import HubError
from hub.events.bus import publish
from hub.ids import now_ms
from hub.jobs import queue
from hub.store.documents import RevisionDoc, StoryDoc, TenantDocument
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.store.tenanted import Tenanted
from hub.workflow import chains, wordlists
from hub.workflow.errors import ReviewCodes
from hub.workflow.review import (
    Decision,
    ReviewChain,
    ReviewRound,
    RoundStatus,
    SignOff,
    Stage,
    after_edit,
    check_direct_approval,
    check_proof_rounds,
    choose_chain,
    sign,
    submit,
)

log = structlog.get_logger(__name__)

#: The default chain: 初审, 复审, 终审 (the chief editor may sign 终审 too).
DEFAULT_CHAIN = ReviewChain(
    id="default",
    name="三审",
    stages=(
        Stage("first", "初审", "reviewer:first"),
        Stage("second", "复审", "reviewer:second"),
        Stage("final", "终审", "reviewer:final"),
    ),
)

SCHEDULER = "review.publish_at"  # the job consumer of scheduled publication

#: Refuses an approval a planned channel would refuse (distribution's precheck, given by
#: the caller so the workflow does not depend on distribution): (revision, approval data).
ApprovalCheck = Callable[[RevisionDoc, dict[str, Any]], Awaitable[None]]
REENTER = "review.reenter"  # follows edits that sent a story back to review
EVENT_SCHEDULE = "story.schedule"  # a state change distribution does not act on


class ReviewRoundDoc(TenantDocument, AuditPendingFields):
    """A story's current review round (`_id` = story id). Sign-offs are a map keyed by
    sequence (nx-27017 mangles pushed sub-documents); `seq` is the compare-and-set key.

    `publish_at` is the scheduled time of publication (ms), `embargo_until` the embargo
    handed to distribution with the approval; `handed_over` says the approval event has
    been emitted (distribution has the revision)."""

    chain: dict[str, Any]
    revision: int
    content_hash: str
    stage_index: int = 0
    status: RoundStatus = RoundStatus.IN_REVIEW
    signoffs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    return_reason: str | None = None
    seq: int = 0
    updated_at: int = Field(default_factory=now_ms)
    publish_at: int | None = None
    embargo_until: int | None = None
    handed_over: bool = False
    correction_note: str | None = None

    class Settings:
        name = "review_rounds"
        indexes: ClassVar[list[Any]] = [pending_index(), IndexModel([("tenant", 1), ("status", 1)])]


def review_roles(principal: Principal) -> set[str]:
    """The stage roles a caller holds in its center (tenant-wide grants only)."""
    roles = {g.label() for g in principal.grants if g.account_id is None}
    if any(g.role == Role.CHIEF_EDITOR and g.account_id is None for g in principal.grants):
        roles.add("reviewer:final")  # 总编辑签发
    return roles


def to_domain(doc: ReviewRoundDoc) -> ReviewRound:
    signoffs = tuple(
        SignOff(**{**v, "decision": Decision(v["decision"])})
        for _, v in sorted(doc.signoffs.items())
    )
    return ReviewRound(
        chain=chains.to_domain(doc.chain),
        revision=doc.revision,
        content_hash=doc.content_hash,
        stage_index=doc.stage_index,
        status=RoundStatus(doc.status),
        signoffs=signoffs,
        return_reason=doc.return_reason,
    )


def _fields(rnd: ReviewRound) -> dict[str, Any]:
    return {
        "chain": chains.snapshot(rnd.chain),
        "revision": rnd.revision,
        "content_hash": rnd.content_hash,
        "stage_index": rnd.stage_index,
        "status": rnd.status.value,
        "return_reason": rnd.return_reason,
        "updated_at": now_ms(),
        "signoffs": {
            f"{i:03d}": {**asdict(s), "decision": s.decision.value}
            for i, s in enumerate(rnd.signoffs)
        },
    }


async def round_of(tenant: str, story_id: str) -> ReviewRoundDoc | None:
    """The story's review round as stored (None: never submitted)."""
    return await ReviewRoundDoc.find_one({"tenant": tenant, "_id": story_id})


async def store_round(
    tenant: str,
    story_id: str,
    rnd: ReviewRound | None,
    expected_seq: int | None,
    entry: pending.Pending | None = None,
    **extra: Any,
) -> ReviewRoundDoc:
    """Write the round (and `extra` fields) if it is still at `expected_seq` (None: a new
    round, replacing the old one but for audit entries it still carries), with the
    change's audit `entry` (then `settle` it)."""
    fields = {**(_fields(rnd) if rnd is not None else {}), **extra}
    if expected_seq is None:
        doc = ReviewRoundDoc(id=story_id, tenant=tenant, seq=1, **fields)
        body = doc.model_dump(by_alias=True, mode="json", exclude={"id", *CARRIED_FIELDS})
        await audited_upsert(ReviewRoundDoc, tenant, {"_id": story_id}, body, entry)
        return doc
    stored = await audited_update(
        ReviewRoundDoc,
        tenant,
        {"_id": story_id, "seq": expected_seq},
        {"$set": {**fields, "seq": expected_seq + 1, "updated_at": now_ms()}},
        entry,
    )
    if stored is None:  # another reviewer acted at the same moment
        raise HubError(ReviewCodes.NOT_IN_REVIEW, status="changed")
    return pending.without(stored, entry) if entry is not None else stored


def _story_details(story: StoryDoc, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": story.version,
        "status": str(story.status.value),
        "content_hash": story.content_hash,
        "revision": story.revision,
        **details,
    }


async def audit(scope: Scope, action: str, story: StoryDoc, **details: Any) -> None:
    """An audit entry about the story with actor, version and content hash (and `details`),
    appended on its own (for changes that carry none)."""
    await record(
        scope.tenant, scope.actor, action, "story", story.id, _story_details(story, details)
    )


async def entry(scope: Scope, action: str, story: StoryDoc, **details: Any) -> pending.Pending:
    """The same entry, to be carried in the change's write (`_store`) and then `settle`d."""
    return await pending.prepare(
        scope.tenant, scope.actor, action, "story", story.id, _story_details(story, details)
    )


async def settle(story_id: str, carried: pending.Pending) -> None:
    """After the round's write: append the entry it carries, then take it off."""
    await pending.settle(ReviewRoundDoc, story_id, carried)


async def announce(scope: Scope, kind: str, story_id: str, **data: Any) -> None:
    """Tell the review queue's subscribers (bus topic `review_queue`); never fails a change."""
    try:
        await publish(scope.tenant, "review_queue", kind, story_id, scope.actor, data)
    except Exception:  # the change is stored; a listener's trouble is not the caller's
        log.exception("review.announce_failed", kind=kind, story=story_id)


async def current(
    tenant: str, story_id: str, story: StoryDoc | None = None
) -> ReviewRoundDoc | None:
    """The story's round, following the story's current revision: an edit since the round
    was stored restarts it at the chain's re-entry stage (sign-offs on old content stop
    counting). Returned rounds are left to the reporter's next submission."""
    return await current_from(tenant, story_id, story, await round_of(tenant, story_id))


async def current_from(
    tenant: str, story_id: str, story: StoryDoc | None, doc: ReviewRoundDoc | None
) -> ReviewRoundDoc | None:
    """`current`, given the stored round `doc` already read (the review queue reads many at once)."""
    if doc is None:
        return None
    if story is None:
        story = await StoryDoc.find_one({"tenant": tenant, "_id": story_id})
    if (
        story is None
        or story.content_hash == doc.content_hash
        or doc.status == RoundStatus.RETURNED
    ):
        return doc
    moved = after_edit(to_domain(doc), story.revision, story.content_hash)
    carried = await pending.prepare(
        tenant,
        story.updated_by,
        "story.review.reenter",
        "story",
        story_id,
        {
            "stage": moved.chain.stages[moved.stage_index].key,
            "revision": story.revision,
            "content_hash": story.content_hash,
            "version": story.version,
        },
    )
    try:
        stored = await store_round(tenant, story_id, moved, doc.seq, carried, handed_over=False)
    except HubError:  # someone else synced it first
        return await round_of(tenant, story_id)
    await settle(story_id, carried)
    await announce(
        Scope(tenant, story.updated_by),
        "review.reentered",
        story_id,
        stage=moved.chain.stages[moved.stage_index].name,
    )
    return stored


async def chain_for(
    tenant: str, story: StoryDoc, default_channels: Collection[str]
) -> tuple[ReviewChain, bool]:
    """The tenant's chain for this story (and whether a configured one applied)."""
    configured = await chains.domain_chains(tenant)
    chosen = choose_chain(
        configured, story.column_id, story.channels or list(default_channels), str(story.type)
    )
    if chosen.id == "default" and not any(c.id == "default" for c in configured):
        return DEFAULT_CHAIN, False
    return chosen, True


async def submit_for_review(
    repo: StoryRepository,
    story_id: str,
    expected_version: int,
    default_channels: Collection[str] = ("app",),
) -> tuple[StoryDoc, ReviewRoundDoc]:
    """送审: start a round on the current revision (or continue one after an edit)."""
    story = await repo.require(story_id)
    existing = await current(repo.scope.tenant, story_id, story)
    if existing is not None and existing.status == RoundStatus.IN_REVIEW:
        rnd = to_domain(existing)
    else:
        chain, _ = await chain_for(repo.scope.tenant, story, default_channels)
        rnd = submit(chain, story.revision, story.content_hash)
    doc = await repo.set_status(story_id, expected_version, StoryStatus.IN_REVIEW)
    keep = (
        {"publish_at": existing.publish_at, "embargo_until": existing.embargo_until}
        if existing
        else {}
    )
    carried = await entry(
        repo.scope,
        "story.review.submit",
        doc,
        chain=rnd.chain.name,
        stage=rnd.chain.stages[rnd.stage_index].key,
    )
    stored = await store_round(repo.scope.tenant, story_id, rnd, None, carried, **keep)
    await settle(story_id, carried)
    await announce(
        repo.scope, "review.submitted", story_id, stage=rnd.chain.stages[rnd.stage_index].name
    )
    return doc, stored


async def proof_rounds_completed(tenant: str, story_id: str) -> int | None:
    """三校 done on the story (hub/editing/proofreading.py)."""
    from hub.editing.proofreading import completed_proof_rounds

    return await completed_proof_rounds(tenant, story_id)


async def sign_off(
    repo: StoryRepository,
    principal: Principal,
    story_id: str,
    decision: Decision,
    opinion: str,
    pm: ChannelManager,
    expected_revision: int | None = None,
    publish_at: int | None = None,
) -> tuple[StoryDoc, ReviewRoundDoc]:
    """审稿单: the caller signs the current stage; the last approval is the 签发.
    `publish_at` (ms, future) schedules the publication with the sign-off."""
    scope = repo.scope
    story = await repo.require(story_id)
    existing = await current(scope.tenant, story_id, story)
    if existing is None:
        raise HubError(ReviewCodes.NOT_IN_REVIEW, status=story.status.value)
    rnd = to_domain(existing)
    if expected_revision is not None and expected_revision != story.revision:
        raise HubError(
            ReviewCodes.STALE_REVISION, submitted=expected_revision, current=story.revision
        )
    if publish_at is not None and publish_at <= now_ms():
        raise HubError(ReviewCodes.BAD_TIME, what_zh="发布时间", what_en="publication time")
    found = await wordlists.findings(pm, scope.tenant, story)
    last = rnd.status == RoundStatus.IN_REVIEW and rnd.stage_index == len(rnd.chain.stages) - 1
    if last and decision == Decision.APPROVE:
        check_proof_rounds(rnd.chain, await proof_rounds_completed(scope.tenant, story_id))
    signed = sign(
        rnd,
        reviewer=scope.actor or "",
        roles=review_roles(principal),
        decision=decision,
        current_revision=story.revision,
        current_hash=story.content_hash,
        opinion=opinion,
        at=now_ms(),
        findings=found,
    )
    stage = rnd.chain.stages[rnd.stage_index]
    extra = (
        {"publish_at": publish_at}
        if publish_at is not None and decision == Decision.APPROVE
        else {}
    )
    action = "story.review.return" if decision == Decision.RETURN else "story.review.approve"
    carried = await entry(
        scope, action, story, stage=stage.key, stage_name=stage.name, opinion=opinion
    )
    stored = await store_round(scope.tenant, story_id, signed, existing.seq, carried, **extra)
    await settle(story_id, carried)
    if signed.status == RoundStatus.APPROVED:
        # 签发: distribution takes this revision, now or at its scheduled time
        story, stored = await hand_over(repo, story, stored)
    elif signed.status == RoundStatus.RETURNED:
        story = await repo.set_status(
            story_id, story.version, StoryStatus.DRAFT, {"returned": opinion}
        )
        await announce(scope, "review.returned", story_id, stage=stage.name, reason=opinion)
    else:
        await announce(
            scope,
            "review.signed",
            story_id,
            stage=stage.name,
            next=signed.chain.stages[signed.stage_index].name,
        )
    return story, stored


async def pending_approval(tenant: str, story_id: str) -> dict[str, Any]:
    """What approving the story now would hand to distribution (its round's embargo and
    更正说明), read without syncing the round (a preview must not write)."""
    doc = await round_of(tenant, story_id)
    return approval_data(doc) if doc is not None else {}


def approval_data(doc: ReviewRoundDoc, **extra: Any) -> dict[str, Any]:
    """What the approval event (story.status → approved) carries to distribution.

    `embargo_until` (ms since the epoch, or absent): partners and feeds must not make
    the item public before it; `correction` is the 更正说明 of a correction."""
    data: dict[str, Any] = {
        "signed_revision": doc.revision,
        "content_hash": doc.content_hash,
        **extra,
    }
    if doc.embargo_until:
        data["embargo_until"] = doc.embargo_until
    if doc.correction_note:
        data["correction"] = doc.correction_note
    return data


async def hand_over(
    repo: StoryRepository, story: StoryDoc, rnd: ReviewRoundDoc
) -> tuple[StoryDoc, ReviewRoundDoc]:
    """The round is approved: hold the story for its publish time (`scheduled`) or hand it
    to distribution now (`approved`), and close the round."""
    scope = repo.scope
    if rnd.publish_at and rnd.publish_at > now_ms():
        story = await hold(repo, story, StoryStatus.SCHEDULED, rnd)
        await audit(scope, "story.review.signed_and_scheduled", story, publish_at=rnd.publish_at)
        await announce(scope, "review.approved", story.id, publish_at=rnd.publish_at)
        return story, rnd
    story = await repo.set_status(story.id, story.version, StoryStatus.APPROVED, approval_data(rnd))
    rnd = await store_round(
        scope.tenant, story.id, None, rnd.seq, handed_over=True, correction_note=None
    )
    await announce(scope, "review.approved", story.id)
    return story, rnd


async def hold(
    repo: StoryRepository, story: StoryDoc, status: StoryStatus, rnd: ReviewRoundDoc
) -> StoryDoc:
    """Approved but not handed to distribution: `scheduled` (with its job) or `approved`
    (held, after a cancelled schedule). The event is not `story.status`, so nothing ships."""
    data = {"from": story.status.value, "to": status.value, "publish_at": rnd.publish_at}
    story = await repo.emit(story.id, story.version, EVENT_SCHEDULE, data, {"status": status.value})
    if status == StoryStatus.SCHEDULED and rnd.publish_at:
        await queue.enqueue(
            repo.scope.tenant,
            SCHEDULER,
            "story.publish_at",
            f"{story.id}:{rnd.publish_at}:{rnd.seq}",
            {"story_id": story.id, "publish_at": rnd.publish_at},
            ready_at=rnd.publish_at,
        )
    return story


async def check_direct(
    repo: StoryRepository, story_id: str, default_channels: Collection[str] = ("app",)
) -> dict[str, Any]:
    """`approveStory` (one-step 签发) may not bypass a chain (see check_direct_approval);
    returns the approval event's data (the round's embargo, correction note)."""
    story = await repo.require(story_id)
    rnd = await current(repo.scope.tenant, story_id, story)
    _, configured = await chain_for(repo.scope.tenant, story, default_channels)
    check_direct_approval(
        to_domain(rnd) if rnd else None, configured, story.revision, story.content_hash
    )
    return approval_data(rnd) if rnd else {}


async def mark_handed_over(tenant: str, story_id: str) -> None:
    """After a direct approval of an approved round: the schedule, if any, is spent."""
    await Tenanted(ReviewRoundDoc, tenant).update_one(
        {"_id": story_id},
        {"$set": {"handed_over": True, "correction_note": None}},
    )
