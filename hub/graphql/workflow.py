"""GraphQL for review (三审): chains, submit, sign off stage by stage, 签发, checks and their
acknowledgement, scheduled publication and embargo, reviewed takedown and correction,
and the review queue."""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from hub.distribution import precheck
from hub.distribution import publications as pubs
from hub.errors import invalid
from hub.feeds import log as feed_log
from hub.graphql.context import Context
from hub.graphql.inputs import input_fields
from hub.graphql.types import UpdateStoryInput, dt_to_ms, ms_to_dt
from hub.workflow import actions, chains, rounds, scheduling, wordlists
from hub.workflow.review import Decision, RoundStatus
from hub.workflow.review import Finding as DomainFinding
from hub.workflow.review_queue import review_queue as waiting_for

DecisionEnum = strawberry.enum(
    Decision, name="ReviewDecision", description="approve, or return (退回) with a reason"
)


@strawberry.type(description="审级")
class ReviewStage:
    key: str
    name: str
    role: str


@strawberry.input(
    description="审级: a stable key, its name (初审) and the role that may sign it (reviewer:first, chief_editor ...)"
)
class ReviewStageInput:
    key: str
    name: str
    role: str


@strawberry.type(
    description="审核流程: a center's review chain for some story types, columns and/or target channels (empty = "
    "any); submitForReview picks the most specific that applies (type > column > channels)"
)
class ReviewChain:
    id: strawberry.ID
    name: str
    stages: list[ReviewStage]
    columns: list[str]
    channels: list[str]
    types: list[str] = strawberry.field(
        description="story types (article, gallery, video, audio, live, special)"
    )
    reenter_stage: int = strawberry.field(
        description="index of the stage an edit after sign-off re-enters at"
    )
    takedown_stage: int | None = strawberry.field(
        description="stage that must sign a 撤稿 (null: no review)"
    )
    correction_stage: int | None = strawberry.field(
        description="stage a 更正 re-enters at (null: no review)"
    )
    proof_rounds: int = strawberry.field(
        description="三校: proofreading rounds required before 签发"
    )
    updated_at: datetime | None

    @staticmethod
    def from_doc(doc: chains.ReviewChainDoc) -> ReviewChain:
        return ReviewChain(
            id=strawberry.ID(doc.id),
            name=doc.name,
            stages=[ReviewStage(**s) for s in doc.stages],
            columns=list(doc.columns),
            channels=list(doc.channels),
            types=list(doc.types),
            reenter_stage=doc.reenter_stage,
            takedown_stage=doc.takedown_stage,
            correction_stage=doc.correction_stage,
            proof_rounds=doc.proof_rounds,
            updated_at=ms_to_dt(doc.updated_at),
        )


@strawberry.input(description="A review chain's definition")
class ReviewChainInput:
    name: str
    stages: list[ReviewStageInput]
    columns: list[str] | None = None
    channels: list[str] | None = None
    types: list[str] | None = strawberry.field(
        default=None, description="story types it is for (empty: any)"
    )
    reenter_stage: int = 0
    takedown_stage: int | None = None
    correction_stage: int | None = None
    proof_rounds: int = 0


@strawberry.type(
    description="审稿单: one reviewer's decision on one stage, bound to the revision's content hash"
)
class SignOffRecord:
    stage: str
    decision: str
    reviewer: str
    revision: int
    content_hash: str
    opinion: str | None = strawberry.field(
        description="审稿意见 (newsroom only: null for 融媒号 operators and correspondents; a "
        "return's reason is `ReviewRound.returnReason`, which they see)"
    )
    at: datetime | None


def _signoff(s: dict[str, Any]) -> SignOffRecord:
    return SignOffRecord(
        stage=s["stage"],
        decision=s["decision"],
        reviewer=s["reviewer"],
        revision=s["revision"],
        content_hash=s["content_hash"],
        opinion=s.get("opinion", ""),
        at=ms_to_dt(s.get("at") or None),
    )


@strawberry.type(description="审核轮次: a story's review under its chain")
class ReviewRound:
    story_id: strawberry.ID
    chain: str
    chain_id: str
    stages: list[ReviewStage]
    revision: int
    content_hash: str
    status: str
    current_stage: ReviewStage | None
    sign_offs: list[SignOffRecord]
    return_reason: str | None
    publish_at: datetime | None = strawberry.field(
        description="定时发布: when the approved revision is handed to distribution"
    )
    embargo_until: datetime | None = strawberry.field(
        description="禁发: partners must not make it public before this"
    )
    handed_over: bool = strawberry.field(description="the approval has gone to distribution")
    correction_note: str | None = strawberry.field(
        description="更正说明 of a correction under review"
    )

    @staticmethod
    def from_doc(doc: rounds.ReviewRoundDoc) -> ReviewRound:
        stages = [ReviewStage(**s) for s in doc.chain["stages"]]
        current = stages[doc.stage_index] if doc.status == "in_review" else None
        return ReviewRound(
            story_id=strawberry.ID(doc.id),
            chain=doc.chain["name"],
            chain_id=str(doc.chain["id"]),
            stages=stages,
            revision=doc.revision,
            content_hash=doc.content_hash,
            status=str(doc.status),
            current_stage=current,
            return_reason=doc.return_reason,
            sign_offs=[_signoff(s) for _, s in sorted(doc.signoffs.items())],
            publish_at=ms_to_dt(doc.publish_at),
            embargo_until=ms_to_dt(doc.embargo_until),
            handed_over=bool(doc.handed_over),
            correction_note=doc.correction_note,
        )


@strawberry.type(description="检查结果: a finding of the checks on a story (敏感词, 来源, 校对)")
class CheckFinding:
    key: str = strawberry.field(
        description="stable while the matched text and its surroundings stay; acknowledge by it"
    )
    code: str
    message: str
    message_en: str
    blocking: bool
    acknowledged: bool
    acknowledged_by: str | None
    field: str | None
    start: int | None
    end: int | None
    match: str | None
    suggestion: str | None

    @staticmethod
    def from_domain(f: DomainFinding) -> CheckFinding:
        return CheckFinding(
            key=f.key,
            code=f.code,
            message=f.message,
            message_en=f.message_en,
            blocking=f.blocking,
            acknowledged=f.resolved,
            acknowledged_by=f.acknowledged_by,
            field=f.field,
            start=f.start,
            end=f.end,
            match=f.match,
            suggestion=f.suggestion,
        )


@strawberry.type(
    description="撤稿申请: a takedown waiting for (or decided by) the chain's named stage"
)
class TakedownRequest:
    story_id: strawberry.ID
    status: str = strawberry.field(description="pending, approved or returned")
    stage: ReviewStage
    requested_by: str
    reason: str
    sign_off: SignOffRecord | None

    @staticmethod
    def from_doc(doc: actions.PendingActionDoc) -> TakedownRequest:
        return TakedownRequest(
            story_id=strawberry.ID(doc.story_id),
            status=doc.status,
            stage=ReviewStage(**doc.chain["stages"][doc.stage]),
            requested_by=doc.requested_by,
            reason=doc.reason,
            sign_off=_signoff(doc.signoff) if doc.signoff else None,
        )


@strawberry.type(description="撤稿: done at once (no review needed) or waiting for review")
class TakedownResult:
    story_id: strawberry.ID
    taken_down: bool = strawberry.field(description="true: handed to distribution now")
    request: TakedownRequest | None


@strawberry.input(description="A word of the center's sensitive-word list")
class SensitiveWordInput:
    text: str
    level: str = strawberry.field(default="block", description="block (拦截) or warn (提示)")
    suggestion: str | None = None
    note: str | None = None


@strawberry.type(description="A word of the center's sensitive-word list")
class SensitiveWord:
    text: str
    level: str = strawberry.field(description="block (拦截) or warn (提示)")
    suggestion: str | None
    note: str | None


@strawberry.type(
    description="敏感词表: the center's words and its allowed 转载 sources, as setSensitiveWords saved them"
)
class SensitiveWordList:
    words: list[SensitiveWord]
    allowed_sources: list[str]
    updated_at: datetime | None = strawberry.field(description="null: never saved (no words)")
    updated_by: str | None

    @staticmethod
    def from_doc(doc: wordlists.WordListDoc | None) -> SensitiveWordList:
        if doc is None:
            return SensitiveWordList(words=[], allowed_sources=[], updated_at=None, updated_by=None)
        words = [
            SensitiveWord(
                text=w["text"],
                level=w.get("level") or "block",
                suggestion=w.get("suggestion"),
                note=w.get("note"),
            )
            for w in doc.words
        ]
        return SensitiveWordList(
            words=words,
            allowed_sources=list(doc.allowed_sources),
            updated_at=ms_to_dt(doc.updated_at),
            updated_by=doc.updated_by,
        )


def _pm(info: Info[Context, None]) -> Any:
    return wordlists.plugin_manager(info.context.services)


def _defaults(info: Info[Context, None]) -> list[str]:
    return list(info.context.settings.default_channels)


def _chain_fields(input: ReviewChainInput) -> dict[str, Any]:
    data = dataclasses.asdict(input)
    data["columns"] = data["columns"] or []
    data["channels"] = data["channels"] or []
    data["types"] = data["types"] or []
    return data


def _known_channels(info: Info[Context, None]) -> set[str] | None:
    distribution = getattr(info.context.services, "distribution", None)
    return set(distribution.channels.names()) if distribution is not None else None


def _approval_check(info: Info[Context, None]) -> rounds.ApprovalCheck | None:
    """What a channel's validate can know refuses an approval (APPROVAL_CHANNEL_PROBLEMS):
    given to the workflow's approvals that are not a sign-off (a correction approved at
    once, the schedule of a held approval)."""
    distribution = getattr(info.context.services, "distribution", None)
    return (
        functools.partial(precheck.refuse_undeliverable, distribution)
        if distribution is not None
        else None
    )


async def _refuse_undeliverable_signoff(
    info: Info[Context, None], story_id: str, publish_at: int | None = None
) -> None:
    """The sign-off that would be the 签发 (the round's last stage) is refused when a planned
    channel would refuse the revision (APPROVAL_CHANNEL_PROBLEMS); earlier stages sign on."""
    distribution = getattr(info.context.services, "distribution", None)
    repo = info.context.stories
    story = await repo.require(story_id)
    rnd = await rounds.current(repo.scope.tenant, story_id, story)
    if distribution is None or rnd is None or rnd.status != RoundStatus.IN_REVIEW:
        return
    if (
        rnd.stage_index != len(rounds.to_domain(rnd).chain.stages) - 1
        or rnd.content_hash != story.content_hash
    ):
        return  # not the last stage, or stale: the sign-off itself refuses that
    # with the time it is scheduled for (a sign-off with publishAt, or a schedule set during review)
    at = publish_at or rnd.publish_at
    data = rounds.approval_data(rnd, scheduled_at=at) if at else rounds.approval_data(rnd)
    await precheck.refuse_undeliverable(
        distribution, await repo.revision(story_id, story.revision), data
    )


def _ms(dt: datetime | None, name: str) -> int | None:
    ms = dt_to_ms(dt)
    if ms is not None and ms < 0:
        raise invalid(name, "时间不正确", "invalid time")
    return ms


@strawberry.type
class WorkflowQuery:
    @strawberry.field(
        description="稿件检查: findings on the current revision; blocking ones stop sign-off until fixed or acknowledged"
    )
    async def story_checks(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> list[CheckFinding]:
        story = await info.context.stories.require(str(id))
        found = await wordlists.findings(_pm(info), info.context.scope.tenant, story)
        return [CheckFinding.from_domain(f) for f in found]

    @strawberry.field(description="稿件当前的审核轮次 (null if never submitted)")
    async def review_round(
        self, info: Info[Context, None], story_id: strawberry.ID
    ) -> ReviewRound | None:
        story = await info.context.stories.require(str(story_id))  # visibility rules of the caller
        doc = await rounds.current(info.context.scope.tenant, str(story_id), story)
        return ReviewRound.from_doc(doc) if doc else None

    @strawberry.field(description="审核流程: the center's review chains")
    async def review_chains(self, info: Info[Context, None]) -> list[ReviewChain]:
        return [
            ReviewChain.from_doc(d) for d in await chains.list_chains(info.context.scope.tenant)
        ]

    @strawberry.field(
        description="敏感词表: the center's sensitive words and allowed 转载 sources (center administrators)"
    )
    async def sensitive_words(self, info: Info[Context, None]) -> SensitiveWordList:
        return SensitiveWordList.from_doc(await wordlists.get(info.context.scope.tenant))

    @strawberry.field(description="待审稿件: stories waiting at a stage the caller may sign")
    async def review_queue(self, info: Info[Context, None]) -> list[ReviewRound]:
        return [ReviewRound.from_doc(d) for d in await waiting_for(info.context.scope)]

    @strawberry.field(
        description="待审撤稿: pending takedown requests at a stage the caller may sign, oldest first"
    )
    async def takedown_queue(self, info: Info[Context, None]) -> list[TakedownRequest]:
        docs = await actions.takedown_queue(info.context.scope)
        return [TakedownRequest.from_doc(d) for d in docs]

    @strawberry.field(description="撤稿申请: the story's latest takedown request (null if none)")
    async def takedown_request(
        self, info: Info[Context, None], story_id: strawberry.ID
    ) -> TakedownRequest | None:
        await info.context.stories.require(str(story_id))
        doc = await actions.pending(info.context.scope.tenant, str(story_id))
        return TakedownRequest.from_doc(doc) if doc else None


@strawberry.type
class WorkflowMutation:
    @strawberry.mutation(
        description="敏感词表: replace the center's word list and its allowed 转载 sources; returns the word count"
    )
    async def set_sensitive_words(
        self,
        info: Info[Context, None],
        words: list[SensitiveWordInput],
        allowed_sources: list[str] | None = None,
    ) -> int:
        doc = await wordlists.save(
            info.context.scope, [dataclasses.asdict(w) for w in words], allowed_sources or []
        )
        return len(doc.words)

    @strawberry.mutation(
        description="新建审核流程 (validated: stages, roles that exist, known channels)"
    )
    async def create_review_chain(
        self, info: Info[Context, None], input: ReviewChainInput
    ) -> ReviewChain:
        doc = await chains.save(
            info.context.scope, None, _chain_fields(input), _known_channels(info)
        )
        return ReviewChain.from_doc(doc)

    @strawberry.mutation(
        description="修改审核流程 (rounds under way keep the chain they started with)"
    )
    async def update_review_chain(
        self, info: Info[Context, None], id: strawberry.ID, input: ReviewChainInput
    ) -> ReviewChain:
        doc = await chains.save(
            info.context.scope, str(id), _chain_fields(input), _known_channels(info)
        )
        return ReviewChain.from_doc(doc)

    @strawberry.mutation(description="删除审核流程")
    async def delete_review_chain(self, info: Info[Context, None], id: strawberry.ID) -> bool:
        await chains.delete(info.context.scope, str(id))
        return True

    @strawberry.mutation(
        description="送审: submit the current revision for review under the chain that applies to it"
    )
    async def submit_for_review(
        self, info: Info[Context, None], id: strawberry.ID, expected_version: int
    ) -> ReviewRound:
        _, doc = await rounds.submit_for_review(
            info.context.stories, str(id), expected_version, _defaults(info)
        )
        return ReviewRound.from_doc(doc)

    @strawberry.mutation(
        description="审稿: sign the current stage (初审/复审/终审) with a decision and an opinion; the "
        "final approval is 签发 and hands exactly this revision to distribution (now, or at its scheduled "
        "time). `expectedRevision`: the revision you reviewed; refused as stale if the story changed since. "
        "`publishAt`: 签发 with a scheduled publication time (定时发布)."
    )
    async def sign_off(
        self,
        info: Info[Context, None],
        story_id: strawberry.ID,
        decision: DecisionEnum,  # type: ignore[valid-type]
        opinion: str = "",
        expected_revision: int | None = None,
        publish_at: datetime | None = None,
    ) -> ReviewRound:
        scope = info.context.scope
        if Decision(decision) == Decision.APPROVE:
            await _refuse_undeliverable_signoff(info, str(story_id), _ms(publish_at, "publishAt"))
        _, doc = await rounds.sign_off(
            info.context.stories,
            scope.principal,
            str(story_id),
            Decision(decision),
            opinion,
            _pm(info),
            expected_revision,
            _ms(publish_at, "publishAt"),
        )
        return ReviewRound.from_doc(doc)

    @strawberry.mutation(
        description="确认检查结果: accept a finding of the current revision with a note. Warnings: anyone who "
        "may edit; blocking findings: the chief editor (总编辑) or a center admin only. An edit of the matched "
        "text brings the finding back."
    )
    async def acknowledge_finding(
        self, info: Info[Context, None], story_id: strawberry.ID, key: str, note: str = ""
    ) -> CheckFinding:
        scope = info.context.scope
        story = await info.context.stories.require(str(story_id))
        found = await wordlists.acknowledge(
            _pm(info), scope, rounds.review_roles(scope.principal), story, key, note
        )
        return CheckFinding.from_domain(found)

    @strawberry.mutation(
        description="定时发布: hand the approved revision to distribution at `at` (set during review, or on an "
        "approved story not yet handed over; again to reschedule). Optional embargo for partners. On an approved "
        "story refused with APPROVAL_CHANNEL_PROBLEMS while a planned channel would refuse it; checked again when "
        "due (refused then: held approved, audited story.schedule.refused)."
    )
    async def schedule_publication(
        self,
        info: Info[Context, None],
        story_id: strawberry.ID,
        at: datetime,
        embargo_until: datetime | None = None,
    ) -> ReviewRound:
        _, doc = await scheduling.schedule(
            info.context.stories,
            str(story_id),
            _ms(at, "at"),
            _ms(embargo_until, "embargoUntil"),
            _approval_check(info),
        )
        return ReviewRound.from_doc(doc)

    @strawberry.mutation(
        description="取消定时发布: the story stays approved and held (approveStory publishes it now)"
    )
    async def cancel_scheduled_publication(
        self, info: Info[Context, None], story_id: strawberry.ID
    ) -> ReviewRound:
        _, doc = await scheduling.schedule(info.context.stories, str(story_id), None)
        return ReviewRound.from_doc(doc)

    @strawberry.mutation(
        description="禁发期: set (or clear with null) the embargo handed to distribution with the approval; "
        "after the approval went out it moves the embargo of every send not yet made (outside platforms, "
        "partner feeds): a send due under the old embargo waits for the new one"
    )
    async def set_embargo(
        self, info: Info[Context, None], story_id: strawberry.ID, until: datetime | None = None
    ) -> ReviewRound:
        doc = await scheduling.set_embargo(info.context.stories, str(story_id), _ms(until, "until"))
        if doc.handed_over:  # moved after distribution took the approval: its waiting sends follow
            await pubs.move_embargo(doc.tenant, str(story_id), doc.embargo_until)
            await feed_log.move_embargo(doc.tenant, str(story_id), doc.embargo_until)
        return ReviewRound.from_doc(doc)

    @strawberry.mutation(
        description="撤稿申请: reviewed by the chain's takedown stage where it names one, else done at once (publishers)"
    )
    async def request_takedown(
        self, info: Info[Context, None], story_id: strawberry.ID, expected_version: int, reason: str
    ) -> TakedownResult:
        scope = info.context.scope
        _, doc = await actions.request_takedown(
            info.context.stories,
            scope.principal,
            str(story_id),
            expected_version,
            reason,
            _defaults(info),
        )
        return TakedownResult(
            story_id=story_id,
            taken_down=doc is None,
            request=TakedownRequest.from_doc(doc) if doc else None,
        )

    @strawberry.mutation(
        description="审批撤稿: the named stage approves (the takedown goes to distribution) or returns it with a reason"
    )
    async def sign_takedown(
        self,
        info: Info[Context, None],
        story_id: strawberry.ID,
        decision: DecisionEnum,  # type: ignore[valid-type]
        opinion: str = "",
    ) -> TakedownRequest:
        scope = info.context.scope
        _, doc = await actions.sign_takedown(
            info.context.stories, scope.principal, str(story_id), Decision(decision), opinion
        )
        return TakedownRequest.from_doc(doc)

    @strawberry.mutation(
        description="更正: edit a published story with a 更正说明; it is reviewed from the chain's correction "
        "stage and, once approved, sent as a correction to every channel that had it. Approved at once (no "
        "correction stage): refused with APPROVAL_CHANNEL_PROBLEMS, nothing written, while a channel would refuse it"
    )
    async def correct_story(
        self, info: Info[Context, None], input: UpdateStoryInput, note: str
    ) -> ReviewRound:
        changes = input_fields(input, skip=("id", "expected_version"))
        if not changes:
            raise invalid("input", "没有要修改的内容", "nothing to change")
        scope = info.context.scope
        _, doc = await actions.correct_story(
            info.context.stories,
            scope.principal,
            str(input.id),
            input.expected_version,
            changes,
            note,
            _pm(info),
            _defaults(info),
            _approval_check(info),
        )
        return ReviewRound.from_doc(doc)
