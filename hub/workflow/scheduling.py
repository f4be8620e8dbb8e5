"""Scheduled publication (定时发布) and embargo (禁发) of approved stories, with their jobs.

签发 with a time holds the approved story as `scheduled` (hub/workflow/rounds.py `hold`);
a durable job (`review.publish_at`) hands it to distribution at that time, after the
channels check it again (a refusal leaves it approved and says why). An embargo defers the
hand-over. The review round's re-entry after an edit runs as a job of its own
(`review.reenter`). `consumers` are the worker's consumers of both.
"""

from __future__ import annotations

from typing import Any

import structlog

from hub.domain.story import StoryStatus
from hub.errors import HubError
from hub.ids import now_ms
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc
from hub.store.documents import StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.workflow.errors import ReviewCodes
from hub.workflow.review import RoundStatus
from hub.workflow.rounds import (
    REENTER,
    SCHEDULER,
    ApprovalCheck,
    ReviewRoundDoc,
    announce,
    approval_data,
    audit,
    current,
    entry,
    hold,
    round_of,
    settle,
    store_round,
)

log = structlog.get_logger(__name__)


async def schedule(
    repo: StoryRepository,
    story_id: str,
    at: int | None,
    embargo_until: int | None = None,
    before_approval: ApprovalCheck | None = None,
) -> tuple[StoryDoc, ReviewRoundDoc]:
    """定时发布: publish at `at` (ms) once approved; None cancels (the story stays approved,
    held, until scheduled again or approved directly). Rescheduling replaces the time.
    Scheduling an approved (held) story commits its hand-over: `before_approval` may refuse
    it (a story still in review is checked by the sign-off that approves it)."""
    scope = repo.scope
    now = now_ms()
    if at is not None and at <= now:
        raise HubError(ReviewCodes.BAD_TIME, what_zh="发布时间", what_en="publication time")
    story = await repo.require(story_id)
    rnd = await current(scope.tenant, story_id, story)
    if (
        rnd is None
        or rnd.handed_over
        or rnd.status == RoundStatus.RETURNED
        or (
            rnd.status == RoundStatus.APPROVED
            and story.status not in (StoryStatus.SCHEDULED, StoryStatus.APPROVED)
        )
    ):
        raise HubError(ReviewCodes.NOT_SCHEDULABLE, status=story.status.value)
    extra: dict[str, Any] = {"publish_at": at}
    if embargo_until is not None:
        extra["embargo_until"] = embargo_until or None
    action = "story.schedule" if at else "story.schedule.cancel"
    if at and rnd.status == RoundStatus.APPROVED and before_approval is not None:
        data = approval_data(rnd, scheduled_at=at)
        if "embargo_until" in extra:  # the embargo this call sets (None: lifted)
            data.pop("embargo_until", None)
            data.update({"embargo_until": extra["embargo_until"]} if extra["embargo_until"] else {})
        await before_approval(await repo.revision(story_id, story.revision), data)
    if (
        rnd.status == RoundStatus.APPROVED
    ):  # two writes (round, then the story's hold): audited after both
        stored = await store_round(scope.tenant, story_id, None, rnd.seq, **extra)
        story = await hold(
            repo, story, StoryStatus.SCHEDULED if at else StoryStatus.APPROVED, stored
        )
        await audit(scope, action, story, publish_at=at, embargo_until=stored.embargo_until)
    else:  # the round's write alone: it carries the entry
        embargo = extra.get("embargo_until", rnd.embargo_until)
        carried = await entry(scope, action, story, publish_at=at, embargo_until=embargo)
        stored = await store_round(scope.tenant, story_id, None, rnd.seq, carried, **extra)
        await settle(story_id, carried)
    await announce(scope, "review.scheduled", story_id, publish_at=at)
    return story, stored


async def set_embargo(repo: StoryRepository, story_id: str, until: int | None) -> ReviewRoundDoc:
    """禁发期: partners and feeds must not make the approved revision public before `until`.
    After the approval went to distribution it moves the embargo of the sends not yet
    made (a send due under the old embargo waits for the new one)."""
    scope = repo.scope
    if until is not None and until <= now_ms():
        raise HubError(ReviewCodes.BAD_TIME, what_zh="禁发截止时间", what_en="embargo end")
    story = await repo.require(story_id)
    rnd = await current(scope.tenant, story_id, story)
    if rnd is None or rnd.status == RoundStatus.RETURNED:
        raise HubError(ReviewCodes.NOT_SCHEDULABLE, status=story.status.value)
    if (
        rnd.handed_over
    ):  # distribution has the approval: move its embargo where every send re-checks it
        if rnd.status != RoundStatus.APPROVED or story.status not in (
            StoryStatus.APPROVED,
            StoryStatus.PUBLISHED,
        ):
            raise HubError(ReviewCodes.NOT_SCHEDULABLE, status=story.status.value)
        await repo.move_embargo(story_id, until)
    carried = await entry(scope, "story.embargo", story, embargo_until=until)
    stored = await store_round(scope.tenant, story_id, None, rnd.seq, carried, embargo_until=until)
    await settle(story_id, carried)
    return stored


async def publish_due(
    job: JobDoc, before_approval: ApprovalCheck | None = None
) -> dict[str, object]:
    """The scheduled time has come: emit the approval distribution handles, if the story is
    still scheduled for this time with the approved content; otherwise log and skip.

    The channels are asked again (`before_approval`): their settings may have changed since
    the 签发. A refusal hands nothing over and is never silent: the story is held `approved`
    with its schedule spent (approveStory or a new schedule hands it over once fixed), an
    audit entry `story.schedule.refused` names every problem and the review queue hears it."""
    tenant, story_id, at = job.tenant, str(job.payload["story_id"]), int(job.payload["publish_at"])
    scope = Scope(tenant, "scheduler", public_only=False)
    repo = StoryRepository(scope)
    story = await StoryDoc.find_one({"tenant": tenant, "_id": story_id})
    rnd = await round_of(tenant, story_id)
    reason = None
    if story is None or rnd is None:
        reason = "story or round missing"
    elif rnd.publish_at != at or rnd.handed_over:
        reason = "rescheduled or cancelled"
    elif story.status != StoryStatus.SCHEDULED:
        reason = f"story is {story.status.value}"
    elif rnd.status != RoundStatus.APPROVED or rnd.content_hash != story.content_hash:
        reason = "content changed since approval"
    if reason is not None:
        log.info("review.schedule_skipped", story=story_id, publish_at=at, reason=reason)
        if story is not None:
            await audit(scope, "story.schedule.skipped", story, publish_at=at, reason=reason)
        return {"skipped": reason}
    assert story is not None and rnd is not None
    data = approval_data(rnd, scheduled_at=at)
    if before_approval is not None:
        try:
            await before_approval(await repo.revision(story_id, story.revision), data)
        except HubError as exc:
            return await _refused_when_due(repo, story, rnd, at, exc)
    story = await repo.set_status(story_id, story.version, StoryStatus.APPROVED, data)
    carried = await entry(scope, "story.schedule.published", story, publish_at=at)
    await store_round(
        tenant, story_id, None, rnd.seq, carried, handed_over=True, correction_note=None
    )
    await settle(story_id, carried)
    await announce(scope, "review.published", story_id, publish_at=at)
    return {"approved": story_id}


async def _refused_when_due(
    repo: StoryRepository, story: StoryDoc, rnd: ReviewRoundDoc, at: int, exc: HubError
) -> dict[str, object]:
    """A due hand-over a channel refuses: held `approved`, schedule spent, audited, announced."""
    scope = repo.scope
    problems = exc.details.get("problems") or [
        {"code": exc.code, "message_zh": exc.message_zh, "message_en": exc.message_en}
    ]
    log.warning(
        "review.schedule_refused",
        story=story.id,
        publish_at=at,
        code=exc.code,
        problems=len(problems),
    )
    stored = await store_round(scope.tenant, story.id, None, rnd.seq, publish_at=None)
    story = await hold(repo, story, StoryStatus.APPROVED, stored)
    await audit(
        scope,
        "story.schedule.refused",
        story,
        publish_at=at,
        code=exc.code,
        reason=exc.message_zh,
        problems=problems,
    )
    await announce(
        scope,
        "review.schedule_refused",
        story.id,
        publish_at=at,
        code=exc.code,
        reason=exc.message_zh,
    )
    return {"refused": exc.code, "problems": len(problems)}


async def reenter_after_edit(job: JobDoc) -> dict[str, object]:
    """An edit sent a story back to review (`story.updated` with `review_from`): move its
    round to the new revision now, so the review queue (and its subscribers) see it at
    once rather than when the round is next read."""
    if not job.payload.get("data", {}).get("review_from"):
        return {"skipped": "no review"}
    doc = await current(job.tenant, str(job.payload["story_id"]))
    return {"round": doc.status.value if doc else None}


def consumers(before_approval: ApprovalCheck | None = None) -> list[Consumer]:
    """The review workflow's job consumers: scheduled publication (re-checked by
    `before_approval` when due), re-review after edits."""

    async def due(job: JobDoc) -> dict[str, object]:
        return await publish_due(job, before_approval)

    return [
        Consumer(SCHEDULER, (), due),
        Consumer(REENTER, ("story.updated",), reenter_after_edit),
    ]
