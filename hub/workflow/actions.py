"""撤稿 and 更正 as reviewed actions, handed to distribution.

Takedown: where the story's chain names a `takedown_stage`, a request waits for a
person holding that stage's role (never the requester) to sign it; on approval the
takedown event goes out (distribution retracts everywhere). Without one, a publisher
takes the story down at once.

Correction: an edit of a published story with a 更正说明; it re-enters review at the
chain's `correction_stage` and, once approved, the approval event (carrying the note)
makes distribution send a correction to every channel that had the story. Without a
correction stage a publisher's correction is approved at once (unless a blocking
finding stands: then it waits in review like any edit).

A request, a signature and an immediate correction approval carry their audit entry in
their own write (hub/audit/pending.py); a correction sent back to review is audited after
its two writes (the round, then the story's status).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, replace
from typing import Any, ClassVar

from beanie import SortDirection
from pydantic import Field
from pymongo import IndexModel

from hub.audit.fields import CARRIED_FIELDS, AuditPendingFields, pending_index
from hub.audit.writes import audited_update, audited_upsert, settled
from hub.channels.manager import ChannelManager
from hub.domain.permissions import Action, Principal, permits
from hub.domain.story import StoryStatus
from hub.errors import Codes, HubError, invalid
from hub.ids import now_ms
from hub.store import cursor as cursors
from hub.store.documents import StoryDoc, TenantDocument
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.store.tenanted import Tenanted
from hub.workflow import chains, rounds, wordlists
from hub.workflow.errors import ReviewCodes
from hub.workflow.review import (
    ActionKind,
    Decision,
    PendingAction,
    ReviewChain,
    ReviewRound,
    RoundStatus,
    SignOff,
    after_edit,
    may_sign_action,
    sign_action,
    submit,
)


class PendingActionDoc(TenantDocument, AuditPendingFields):
    """The story's latest takedown request (`_id` = `{story_id}:takedown`)."""

    story_id: str
    kind: str
    stage: int
    chain: dict[str, Any]
    requested_by: str
    reason: str
    status: str = "pending"  # pending | approved | returned
    signoff: dict[str, Any] | None = None
    content_hash: str = ""
    created_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "review_actions"
        indexes: ClassVar[list[Any]] = [pending_index(), IndexModel([("tenant", 1), ("status", 1)])]


def _forbidden(reason_zh: str, reason_en: str) -> HubError:
    return HubError(Codes.FORBIDDEN, reason_zh=reason_zh, reason_en=reason_en)


async def _chain(
    repo: StoryRepository, story: StoryDoc, default_channels: Collection[str]
) -> ReviewChain:
    rnd = await rounds.current(repo.scope.tenant, story.id, story)
    if rnd is not None:
        return rounds.to_domain(rnd).chain
    chain, _ = await rounds.chain_for(repo.scope.tenant, story, default_channels)
    return chain


async def takedown_needs_review(
    repo: StoryRepository, story_id: str, default_channels: Collection[str] = ("app",)
) -> bool:
    story = await repo.require(story_id)
    return (await _chain(repo, story, default_channels)).takedown_stage is not None


async def check_direct_takedown(
    repo: StoryRepository, story_id: str, default_channels: Collection[str] = ("app",)
) -> None:
    """`takedownStory` (one step) may not bypass a chain that reviews takedowns."""
    if await takedown_needs_review(repo, story_id, default_channels):
        raise HubError(ReviewCodes.TAKEDOWN_NEEDS_REVIEW)


async def _drop_schedule(tenant: str, story_id: str) -> None:
    """A story taken down before its scheduled time must not be published at that time."""
    rnd = await rounds.round_of(tenant, story_id)
    if rnd is not None and rnd.publish_at and not rnd.handed_over:
        await Tenanted(rounds.ReviewRoundDoc, tenant).update_one(
            {"_id": story_id}, {"$set": {"publish_at": None}}
        )


async def pending(tenant: str, story_id: str) -> PendingActionDoc | None:
    return await PendingActionDoc.find_one(
        {"tenant": tenant, "_id": f"{story_id}:{ActionKind.TAKEDOWN.value}"}
    )


async def takedown_queue(scope: Scope, limit: int = 200) -> list[PendingActionDoc]:
    """待审撤稿: the pending takedowns of the caller's center at a stage the caller may sign."""
    roles = rounds.review_roles(scope.principal)
    docs = (
        await PendingActionDoc.find(
            {"tenant": cursors.eq(scope.tenant), "status": cursors.eq("pending")}
        )
        .sort([("created_at", SortDirection.ASCENDING)])
        .limit(limit)
        .to_list()
    )
    return [
        d
        for d in docs
        if may_sign_action(
            PendingAction(ActionKind(d.kind), d.stage, d.requested_by, d.reason),
            chains.to_domain(d.chain),
            scope.actor or "",
            roles,
        )
    ]


async def request_takedown(
    repo: StoryRepository,
    principal: Principal,
    story_id: str,
    expected_version: int,
    reason: str,
    default_channels: Collection[str] = ("app",),
) -> tuple[StoryDoc, PendingActionDoc | None]:
    """撤稿申请: reviewed where the chain says so, else done at once by a publisher."""
    scope = repo.scope
    if not reason.strip():
        raise invalid("reason", "撤稿必须填写原因", "a takedown needs a reason")
    story = await repo.require(story_id)
    if expected_version != story.version:
        raise HubError(Codes.VERSION_CONFLICT, current=story.version, expected=expected_version)
    chain = await _chain(repo, story, default_channels)
    if chain.takedown_stage is None:
        if not permits(principal, Action.STORY_PUBLISH):
            raise _forbidden(
                "撤稿需要发布权限(或由审核流程审批)", "a takedown needs publishing rights"
            )
        doc = await repo.request_takedown(story_id, expected_version, reason)
        await _drop_schedule(scope.tenant, story_id)
        return doc, None
    prior = await pending(scope.tenant, story_id)
    if prior is not None and prior.status == "pending":
        raise HubError(ReviewCodes.ACTION_PENDING, what_zh="撤稿", what_en="takedown")
    doc = PendingActionDoc(
        id=f"{story_id}:{ActionKind.TAKEDOWN.value}",
        tenant=scope.tenant,
        story_id=story_id,
        kind=ActionKind.TAKEDOWN.value,
        stage=chain.takedown_stage,
        chain=chains.snapshot(chain),
        requested_by=scope.actor or "",
        reason=reason.strip(),
        content_hash=story.content_hash,
    )
    carried = await rounds.entry(
        scope, "story.takedown.request", story, reason=doc.reason, stage=chain.stages[doc.stage].key
    )
    body = doc.model_dump(by_alias=True, mode="json", exclude={"id", *CARRIED_FIELDS})
    # replaces the request, keeps the entries it still carries
    await audited_upsert(PendingActionDoc, scope.tenant, {"_id": doc.id}, body, carried)
    await settled(doc, carried)
    await rounds.announce(scope, "takedown.requested", story_id, stage=chain.stages[doc.stage].name)
    return story, doc


async def sign_takedown(
    repo: StoryRepository, principal: Principal, story_id: str, decision: Decision, opinion: str
) -> tuple[StoryDoc, PendingActionDoc]:
    """审批撤稿: the named stage signs; approval hands the takedown to distribution."""
    scope = repo.scope
    story = await repo.require(story_id)
    doc = await pending(scope.tenant, story_id)
    if doc is None or doc.status != "pending":
        raise HubError(ReviewCodes.NO_PENDING_ACTION, what_zh="撤稿", what_en="takedown")
    chain = chains.to_domain(doc.chain)
    action = PendingAction(ActionKind(doc.kind), doc.stage, doc.requested_by, doc.reason)
    record = sign_action(
        action,
        chain,
        reviewer=scope.actor or "",
        roles=rounds.review_roles(principal),
        decision=decision,
        opinion=opinion,
    )
    record = replace(record, revision=story.revision, content_hash=story.content_hash, at=now_ms())
    status = "approved" if decision == Decision.APPROVE else "returned"
    stage = chain.stages[doc.stage]
    carried = await rounds.entry(
        scope,
        f"story.takedown.{'approve' if status == 'approved' else 'return'}",
        story,
        stage=stage.key,
        opinion=opinion,
        requested_by=doc.requested_by,
    )
    signed = await audited_update(
        PendingActionDoc,
        scope.tenant,
        {"_id": doc.id, "status": "pending"},
        {
            "$set": {
                "status": status,
                "signoff": {**asdict(record), "decision": record.decision.value},
            }
        },
        carried,
    )
    if signed is None:
        raise HubError(ReviewCodes.NO_PENDING_ACTION, what_zh="撤稿", what_en="takedown")
    signed = await settled(signed, carried)
    if status == "approved":
        story = await repo.request_takedown(story_id, story.version, doc.reason)
        await _drop_schedule(scope.tenant, story_id)
    await rounds.announce(scope, f"takedown.{status}", story_id, stage=stage.name)
    return story, signed


async def correct_story(
    repo: StoryRepository,
    principal: Principal,
    story_id: str,
    expected_version: int,
    changes: dict[str, Any],
    note: str,
    pm: ChannelManager,
    default_channels: Collection[str] = ("app",),
    before_approval: rounds.ApprovalCheck | None = None,
) -> tuple[StoryDoc, rounds.ReviewRoundDoc]:
    """更正: edit a published story with a 更正说明; reviewed from the chain's correction
    stage (or approved at once by a publisher when the chain has none). A correction
    approved at once is first checked by `before_approval` on the revision the edit would
    make, so a refusal (a channel would refuse it) leaves the story as it was."""
    scope = repo.scope
    if not note.strip():
        raise invalid("note", "更正必须填写更正说明", "a correction needs a note")
    story = await repo.require(story_id)
    if story.published_at is None:
        raise HubError(ReviewCodes.NOT_PUBLISHED, what_zh="更正", what_en="correct")
    chain = await _chain(repo, story, default_channels)
    if chain.correction_stage is None and not permits(principal, Action.STORY_PUBLISH):
        raise _forbidden(
            "更正需要发布权限(或由审核流程审批)", "a correction needs publishing rights"
        )
    existing = await rounds.round_of(scope.tenant, story_id)
    note = note.strip()
    if chain.correction_stage is None and before_approval is not None:
        # before the edit is written: the check sees the revision it would make. (Open findings
        # would send it to review instead, whose 签发 is checked the same way: refused now either way.)
        preview = await repo.preview_update(story_id, changes)
        data: dict[str, Any] = {
            "signed_revision": preview.number,
            "content_hash": preview.content_hash,
            "correction": note,
        }
        if existing is not None and existing.embargo_until:
            data["embargo_until"] = existing.embargo_until
        await before_approval(preview, data)
    story = await repo.update(story_id, expected_version, changes)
    if chain.correction_stage is None:
        found = await wordlists.findings(pm, scope.tenant, story)
        if not any(f.open for f in found):
            signed = SignOff(
                "correction",
                Decision.APPROVE,
                scope.actor or "",
                story.revision,
                story.content_hash,
                note,
                now_ms(),
            )
            rnd = ReviewRound(
                chain,
                story.revision,
                story.content_hash,
                len(chain.stages) - 1,
                RoundStatus.APPROVED,
                (signed,),
            )
            carried = await rounds.entry(scope, "story.correction.approve", story, note=note)
            stored = await rounds.store_round(
                scope.tenant, story_id, rnd, None, carried, correction_note=note
            )
            await rounds.settle(story_id, carried)
            return await rounds.hand_over(repo, story, stored)
        rnd = submit(chain, story.revision, story.content_hash)
    elif existing is not None and existing.status != RoundStatus.RETURNED:
        rnd = after_edit(
            rounds.to_domain(existing),
            story.revision,
            story.content_hash,
            restart_at=chain.correction_stage,
        )
    else:
        rnd = replace(
            submit(chain, story.revision, story.content_hash), stage_index=chain.correction_stage
        )
    stored = await rounds.store_round(
        scope.tenant, story_id, rnd, None, correction_note=note, handed_over=False
    )
    if story.status != StoryStatus.IN_REVIEW:
        story = await repo.set_status(story_id, story.version, StoryStatus.IN_REVIEW)
    await rounds.audit(
        scope,
        "story.correction.request",
        story,
        note=note,
        stage=rnd.chain.stages[rnd.stage_index].key,
    )
    await rounds.announce(
        scope,
        "review.submitted",
        story_id,
        stage=rnd.chain.stages[rnd.stage_index].name,
        correction=True,
    )
    return story, stored
