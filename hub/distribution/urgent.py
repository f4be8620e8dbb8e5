"""应急广播: the urgent path. Dual control instead of the three-stage review, fully audited.

One person requests the urgent broadcast of the story's current content; a second,
different person confirms it. The confirmation approves exactly the requested content
(by hash) for the emergency channel only, and the two of them, as signed-in users, are
the dual-control approvers the channel records. Both steps are in the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from hub.audit.deferred import record_story_state
from hub.domain.story import StoryStatus
from hub.errors import ErrorKind, HubError
from hub.ids import now_ms
from hub.store.documents import StoryDoc
from hub.store.stories import StoryRepository

EMERGENCY = "emergency"
EVENT_URGENT_REQUESTED = "story.urgent_requested"


class UrgentCodes:
    NOT_PLANNED = ErrorKind(
        "URGENT_NOT_PLANNED",
        "稿件的发布计划中没有应急广播渠道,不能走紧急通道。",
        "The story's plan does not include the emergency channel.",
    )
    REASON_REQUIRED = ErrorKind(
        "URGENT_REASON_REQUIRED", "紧急播发必须说明原因。", "An urgent broadcast needs a reason."
    )
    NOT_REQUESTED = ErrorKind(
        "URGENT_NOT_REQUESTED",
        "还没有人发起紧急播发,请先发起。",
        "Nobody has requested an urgent broadcast yet.",
        409,
    )
    SAME_PERSON = ErrorKind(
        "URGENT_SAME_PERSON",
        "紧急播发须由两人分别发起和确认:发起人不能自己确认。",
        "Dual control: the person who requested the urgent broadcast cannot confirm it.",
        403,
    )
    CHANGED = ErrorKind(
        "URGENT_CONTENT_CHANGED",
        "发起紧急播发后稿件又被修改,请重新发起,再由他人确认。",
        "The story changed after the urgent broadcast was requested; request it again.",
        409,
    )


async def request_urgent(
    repo: StoryRepository, story_id: str, expected_version: int, reason: str
) -> StoryDoc:
    """First person: ask for the current content to be broadcast urgently."""
    if not reason.strip():
        raise HubError(UrgentCodes.REASON_REQUIRED)
    story = await repo.require(story_id)
    if EMERGENCY not in story.channels:
        raise HubError(UrgentCodes.NOT_PLANNED)
    request = {
        "requested_by": repo.scope.actor,
        "reason": reason,
        "at": now_ms(),
        "revision": story.revision,
        "content_hash": story.content_hash,
    }
    return await repo.emit(
        story_id,
        expected_version,
        EVENT_URGENT_REQUESTED,
        {"reason": reason},
        {"urgent": request},
        audit_action="story.urgent.requested",
    )


async def confirm_urgent(
    repo: StoryRepository,
    story_id: str,
    expected_version: int,
    before_approval: Callable[[StoryDoc, dict[str, Any]], Awaitable[None]] | None = None,
) -> StoryDoc:
    """Second person: confirm; the requested content is approved for the emergency channel.
    `before_approval(story, approval data)` may refuse it (the channel's validation)."""
    story = await repo.require(story_id)
    request = story.urgent
    if not request:
        raise HubError(UrgentCodes.NOT_REQUESTED)
    if request.get("requested_by") == repo.scope.actor:
        raise HubError(UrgentCodes.SAME_PERSON)
    if request.get("content_hash") != story.content_hash:
        raise HubError(UrgentCodes.CHANGED)
    approvers = [request["requested_by"], repo.scope.actor]
    data = {
        "urgent": True,
        "only_channels": [EMERGENCY],
        "approvers": approvers,
        "reason": request.get("reason"),
    }
    if before_approval is not None:
        await before_approval(story, data)
    doc = await repo.set_status(story_id, expected_version, StoryStatus.APPROVED, data)
    await record_story_state(repo.scope.tenant, repo.scope.actor, "story.urgent.confirmed", doc)
    return doc
