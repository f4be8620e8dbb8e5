"""GraphQL for review (三审): submit, sign off stage by stage, 签发."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.graphql.context import Context
from hub.graphql.types import ms_to_dt
from hub.workflow import rounds, wordlists
from hub.workflow.review import Decision

DecisionEnum = strawberry.enum(Decision, name="ReviewDecision", description="approve, or return (退回) with a reason")


@strawberry.type(description="审级")
class ReviewStage:
    key: str
    name: str
    role: str


@strawberry.type(description="审稿单: one reviewer's decision on one stage, bound to the revision's content hash")
class SignOffRecord:
    stage: str
    decision: str
    reviewer: str
    revision: int
    content_hash: str
    opinion: str
    at: datetime | None


@strawberry.type(description="审核轮次: a story's review under its chain")
class ReviewRound:
    story_id: strawberry.ID
    chain: str
    stages: list[ReviewStage]
    revision: int
    content_hash: str
    status: str
    current_stage: ReviewStage | None
    sign_offs: list[SignOffRecord]
    return_reason: str | None

    @staticmethod
    def from_doc(doc: rounds.ReviewRoundDoc) -> ReviewRound:
        stages = [ReviewStage(**s) for s in doc.chain["stages"]]
        current = stages[doc.stage_index] if doc.status == "in_review" else None
        return ReviewRound(
            story_id=strawberry.ID(doc.id), chain=doc.chain["name"], stages=stages, revision=doc.revision,
            content_hash=doc.content_hash, status=str(doc.status), current_stage=current, return_reason=doc.return_reason,
            sign_offs=[SignOffRecord(stage=s["stage"], decision=s["decision"], reviewer=s["reviewer"], revision=s["revision"],
                                     content_hash=s["content_hash"], opinion=s.get("opinion", ""), at=ms_to_dt(s.get("at") or None))
                       for _, s in sorted(doc.signoffs.items())],
        )  # fmt: skip


@strawberry.type(description="检查结果: a finding of the checks on a story (敏感词, 来源, 校对)")
class CheckFinding:
    code: str
    message: str
    blocking: bool
    field: str | None
    start: int | None
    end: int | None
    match: str | None
    suggestion: str | None


@strawberry.input(description="A word of the center's sensitive-word list")
class SensitiveWordInput:
    text: str
    level: str = strawberry.field(default="block", description="block (拦截) or warn (提示)")
    suggestion: str | None = None
    note: str | None = None


@strawberry.type
class WorkflowQuery:
    @strawberry.field(description="稿件检查: findings on the current revision; blocking ones stop sign-off")
    async def story_checks(self, info: Info[Context, None], id: strawberry.ID) -> list[CheckFinding]:
        story = await info.context.stories.require(str(id))
        found = await wordlists.findings(info.context.scope.tenant, story.content())
        return [CheckFinding(code=f.code, message=f.message, blocking=f.blocking, field=f.field, start=f.start,
                             end=f.end, match=f.match, suggestion=f.suggestion) for f in found]  # fmt: skip

    @strawberry.field(description="稿件当前的审核轮次 (null if never submitted)")
    async def review_round(self, info: Info[Context, None], story_id: strawberry.ID) -> ReviewRound | None:
        await info.context.stories.require(str(story_id))  # visibility rules of the caller
        doc = await rounds.current(info.context.scope.tenant, str(story_id))
        return ReviewRound.from_doc(doc) if doc else None


@strawberry.type
class WorkflowMutation:
    @strawberry.mutation(description="敏感词表: replace the center's word list and its allowed 转载 sources; returns the word count")
    async def set_sensitive_words(
        self, info: Info[Context, None], words: list[SensitiveWordInput], allowed_sources: list[str] | None = None
    ) -> int:
        doc = await wordlists.save(
            info.context.scope, [dataclasses.asdict(w) for w in words], allowed_sources or []
        )
        return len(doc.words)

    @strawberry.mutation(description="送审: submit the current revision for 三审")
    async def submit_for_review(self, info: Info[Context, None], id: strawberry.ID, expected_version: int) -> ReviewRound:
        _, doc = await rounds.submit_for_review(info.context.stories, str(id), expected_version)
        return ReviewRound.from_doc(doc)

    @strawberry.mutation(
        description="审稿: sign the current stage (初审/复审/终审) with a decision and an opinion; the "
        "final approval is 签发 and hands exactly this revision to distribution"
    )
    async def sign_off(
        self, info: Info[Context, None], story_id: strawberry.ID, decision: DecisionEnum, opinion: str = ""  # type: ignore[valid-type]
    ) -> ReviewRound:
        scope = info.context.scope
        _, doc = await rounds.sign_off(info.context.stories, scope.principal, str(story_id), Decision(decision), opinion)
        return ReviewRound.from_doc(doc)
