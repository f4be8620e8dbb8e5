"""The edit-lock check on the story write path (called by `hub/store/stories.py`).

Kept apart from `locks.py` so the story repository can import it without a cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hub.editing.documents import StoryLockDoc
from hub.editing.errors import EditingCodes
from hub.editing.rules import LockView, blocks_write
from hub.errors import HubError
from hub.ids import now_ms
from hub.store.coalesce import find_by_id
from hub.store.scope import Scope

BEIJING = timezone(timedelta(hours=8), "北京时间")


def clock(ms: int) -> str:
    """A lock's expiry as an editor reads it: 2026-11-22 15:40:05 (北京时间)."""
    return (
        datetime.fromtimestamp(ms / 1000, UTC)
        .astimezone(BEIJING)
        .strftime("%Y-%m-%d %H:%M:%S (北京时间)")
    )


def locked_error(lock: StoryLockDoc) -> HubError:
    return HubError(
        EditingCodes.STORY_LOCKED,
        holder=lock.holder_name or lock.holder or "",
        holder_id=lock.holder,
        until=clock(lock.expires_at),
        expires_at=lock.expires_at,
        story_id=lock.id,
    )


async def check_unlocked(scope: Scope, story_id: str) -> None:
    """Refuse a content write while someone other than the caller holds a live lock."""
    check_lock(scope, await StoryLockDoc.find_one({"_id": story_id, "tenant": scope.tenant}))


async def edit_lock(scope: Scope, story_id: str) -> StoryLockDoc | None:
    """The story's lock document, if any, read with other requests' reads of the tenant's
    locks (one `$in` find sent after this read began, hub/store/coalesce.py); shared with
    them: read it, never change it."""
    lock: StoryLockDoc | None = await find_by_id(StoryLockDoc, {"tenant": scope.tenant}, story_id)
    return lock


def check_lock(scope: Scope, lock: StoryLockDoc | None) -> None:
    """Refuse a content write while `lock` is live and held by someone other than the caller."""
    if lock is not None and blocks_write(
        LockView(lock.holder, lock.expires_at), scope.actor, now_ms()
    ):
        raise locked_error(lock)
