"""三审 review rounds, stored: submit for review, sign off stage by stage, 签发.

The rules are `hub/workflow/review.py` (plain code); this module stores a story's
current round and applies them with the caller's real roles. Every sign-off records
the reviewer and the revision's content hash; the final one approves (签发) exactly
that revision, which hands it to distribution through the story's outbox event.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, ClassVar

from pydantic import Field
from pymongo import IndexModel, ReturnDocument

from hub.audit.log import record_story
from hub.domain.permissions import Principal, Role
from hub.domain.story import StoryStatus
from hub.errors import HubError
from hub.ids import now_ms
from hub.store.documents import StoryDoc, TenantDocument
from hub.store.stories import StoryRepository
from hub.workflow import wordlists
from hub.workflow.errors import ReviewCodes
from hub.workflow.review import (
    Decision,
    ReviewChain,
    ReviewRound,
    RoundStatus,
    SignOff,
    Stage,
    after_edit,
    sign,
    submit,
)

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


class ReviewRoundDoc(TenantDocument):
    """A story's current review round (`_id` = story id). Sign-offs are a map keyed by
    sequence (nx-27017 mangles pushed sub-documents); `seq` is the compare-and-set key."""

    chain: dict[str, Any]
    revision: int
    content_hash: str
    stage_index: int = 0
    status: RoundStatus = RoundStatus.IN_REVIEW
    signoffs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    return_reason: str | None = None
    seq: int = 0
    updated_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "review_rounds"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("status", 1)])]


def review_roles(principal: Principal) -> set[str]:
    """The stage roles a caller holds in its center (tenant-wide grants only)."""
    roles = {g.label() for g in principal.grants if g.account_id is None}
    if any(g.role == Role.CHIEF_EDITOR and g.account_id is None for g in principal.grants):
        roles.add("reviewer:final")  # 总编辑签发
    return roles


def _to_domain(doc: ReviewRoundDoc) -> ReviewRound:
    c = doc.chain
    chain = ReviewChain(id=c["id"], name=c["name"], stages=tuple(Stage(**s) for s in c["stages"]),
                        reenter_stage=int(c.get("reenter_stage", 0)))  # fmt: skip
    signoffs = tuple(SignOff(**{**v, "decision": Decision(v["decision"])}) for _, v in sorted(doc.signoffs.items()))
    return ReviewRound(chain=chain, revision=doc.revision, content_hash=doc.content_hash, stage_index=doc.stage_index,
                       status=doc.status, signoffs=signoffs, return_reason=doc.return_reason)  # fmt: skip


def _fields(rnd: ReviewRound) -> dict[str, Any]:
    chain = {"id": rnd.chain.id, "name": rnd.chain.name, "reenter_stage": rnd.chain.reenter_stage,
             "stages": [asdict(s) for s in rnd.chain.stages]}  # fmt: skip
    return {
        "chain": chain, "revision": rnd.revision, "content_hash": rnd.content_hash, "stage_index": rnd.stage_index,
        "status": rnd.status.value, "return_reason": rnd.return_reason, "updated_at": now_ms(),
        "signoffs": {f"{i:03d}": {**asdict(s), "decision": s.decision.value} for i, s in enumerate(rnd.signoffs)},
    }  # fmt: skip


async def current(tenant: str, story_id: str) -> ReviewRoundDoc | None:
    return await ReviewRoundDoc.find_one({"tenant": tenant, "_id": story_id})


async def _store(tenant: str, story_id: str, rnd: ReviewRound, expected_seq: int | None) -> ReviewRoundDoc:
    coll = ReviewRoundDoc.get_pymongo_collection()
    fields = _fields(rnd)
    if expected_seq is None:
        doc = ReviewRoundDoc(id=story_id, tenant=tenant, seq=1, **fields)
        await coll.replace_one({"_id": story_id, "tenant": tenant}, doc.model_dump(by_alias=True, mode="json"), upsert=True)
        return doc
    raw = await coll.find_one_and_update(
        {"_id": story_id, "tenant": tenant, "seq": expected_seq},
        {"$set": {**fields, "seq": expected_seq + 1}},
        return_document=ReturnDocument.AFTER,
    )
    if raw is None:  # another reviewer acted at the same moment
        raise HubError(ReviewCodes.NOT_IN_REVIEW, status="changed")
    return ReviewRoundDoc.model_validate(raw)


async def submit_for_review(repo: StoryRepository, story_id: str, expected_version: int) -> tuple[StoryDoc, ReviewRoundDoc]:
    """送审: start a round on the current revision (or continue one after an edit)."""
    story = await repo.require(story_id)
    existing = await current(repo.scope.tenant, story_id)
    if existing is not None and existing.status != RoundStatus.RETURNED:
        rnd = after_edit(_to_domain(existing), story.revision, story.content_hash)
    else:
        rnd = submit(DEFAULT_CHAIN, story.revision, story.content_hash)
    doc = await repo.set_status(story_id, expected_version, StoryStatus.IN_REVIEW)
    stored = await _store(repo.scope.tenant, story_id, rnd, None)
    return doc, stored


async def sign_off(
    repo: StoryRepository, principal: Principal, story_id: str, decision: Decision, opinion: str
) -> tuple[StoryDoc, ReviewRoundDoc]:
    """审稿单: the caller signs the current stage; the last approval is the 签发."""
    story = await repo.require(story_id)
    existing = await current(repo.scope.tenant, story_id)
    if existing is None:
        raise HubError(ReviewCodes.NOT_IN_REVIEW, status=story.status.value)
    found = await wordlists.findings(repo.scope.tenant, story.content())
    rnd = sign(
        _to_domain(existing), reviewer=repo.scope.actor or "", roles=review_roles(principal), decision=decision,
        current_revision=story.revision, current_hash=story.content_hash, opinion=opinion, at=now_ms(),
        findings=found,
    )  # fmt: skip
    stored = await _store(repo.scope.tenant, story_id, rnd, existing.seq)
    action = "story.review.return" if decision == Decision.RETURN else "story.review.approve"
    await record_story(repo.scope.tenant, repo.scope.actor, action, story)
    if rnd.status == RoundStatus.APPROVED:  # 签发: distribution takes this revision
        story = await repo.set_status(story_id, story.version, StoryStatus.APPROVED, {"signed_revision": rnd.revision})
    elif rnd.status == RoundStatus.RETURNED:
        story = await repo.set_status(story_id, story.version, StoryStatus.DRAFT, {"returned": opinion})
    return story, stored
