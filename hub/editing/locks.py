"""Edit locks on stories: acquire (with expiry), renew (heartbeat), release, take over.

The rules are `hub/editing/rules.py`; this module stores them. A story's lock is one
document (`_id` = story id): the first acquisition inserts it (the unique `_id`
decides a race), every later change is a compare-and-set on its `version`, so of
two editors racing exactly one wins and the other is refused with the winner's name.
Each change is announced on the bus (topic `story_lock`) and audited (renewals, which
are heartbeats, are announced but not audited): the audit entry travels in the lock's
own write (insert or compare-and-set, hub/audit/pending.py) and is appended right after.
A takeover also leaves a stored notice for the previous holder.
"""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from hub.audit import pending
from hub.audit.writes import audited_update
from hub.domain.permissions import Action, permits
from hub.editing import notifications, people
from hub.editing.documents import StoryLockDoc
from hub.editing.errors import EditingCodes
from hub.editing.guard import clock, locked_error
from hub.editing.rules import LockMove, LockView, lock_move
from hub.errors import HubError, invalid
from hub.events.bus import publish
from hub.ids import now_ms
from hub.store.scope import Scope
from hub.store.stories import StoryRepository

TOPIC = "story_lock"
ATTEMPTS = 5
MAX_SECONDS = 3_600


def may_take_over(scope: Scope) -> bool:
    """Who may take a live lock from a colleague: those who may 签发 (chief editor,
    final reviewer, administrator)."""
    return permits(scope.principal, Action.STORY_PUBLISH)


async def current(scope: Scope, story_id: str) -> StoryLockDoc | None:
    return await StoryLockDoc.find_one({"_id": story_id, "tenant": scope.tenant})


async def live_locks(scope: Scope, story_ids: list[str], now: int) -> dict[str, StoryLockDoc]:
    """The live locks of several stories (one read), by story id; expired ones are left out."""
    if not story_ids:
        return {}
    docs = await StoryLockDoc.find(
        {"_id": {"$in": list(dict.fromkeys(story_ids))}, "tenant": scope.tenant}
    ).to_list()
    return {d.id: d for d in docs if LockView(d.holder, d.expires_at).live(now)}


def _actor(scope: Scope) -> str:
    stories = StoryRepository(scope)
    return stories._require_writer()


async def acquire(
    scope: Scope,
    story_id: str,
    seconds: int,
    *,
    takeover: bool = False,
    renew_only: bool = False,
    reason: str = "",
) -> StoryLockDoc:
    """Take (or renew, or with `takeover` take over) the lock of `story_id` for `seconds`."""
    actor = _actor(scope)
    if not 10 <= seconds <= MAX_SECONDS:
        raise invalid(
            "seconds",
            f"锁定时长须在 10 到 {MAX_SECONDS} 秒之间",
            f"must be between 10 and {MAX_SECONDS}",
        )
    await StoryRepository(scope)._require_any(story_id)  # exists, and the caller may write it
    name = await people.display_name(scope.tenant, actor)
    for _ in range(ATTEMPTS):
        now = now_ms()
        lock = await current(scope, story_id)
        view = LockView(lock.holder, lock.expires_at) if lock else None
        move = lock_move(view, actor, now, takeover, may_take_over(scope))
        if renew_only and move != LockMove.RENEW:
            raise HubError(EditingCodes.LOCK_NOT_HELD, story_id=story_id)
        if move == LockMove.REFUSE:
            assert lock is not None
            raise locked_error(lock)
        if move == LockMove.REFUSE_TAKEOVER:
            assert lock is not None
            raise HubError(
                EditingCodes.LOCK_TAKEOVER_FORBIDDEN,
                holder=lock.holder_name or lock.holder or "",
                until=clock(lock.expires_at),
                story_id=story_id,
            )
        fields: dict[str, Any] = {
            "holder": actor,
            "holder_name": name,
            "renewed_at": now,
            "expires_at": now + seconds * 1000,
        }
        if move != LockMove.RENEW:
            fields["acquired_at"] = now
        previous = (
            lock.holder if lock and move in (LockMove.TAKE_OVER, LockMove.TAKE_EXPIRED) else None
        )
        entry = None
        if move != LockMove.RENEW:  # renewals are heartbeats: not audited
            entry = await pending.prepare(
                scope.tenant,
                actor,
                f"story.{_kind(move)}",
                "story",
                story_id,
                {
                    "expires_at": fields["expires_at"],
                    "previous_holder": previous,
                    "reason": reason,
                    **await people.story_state(scope.tenant, story_id),
                },
            )
        won = await _write(scope, story_id, lock, fields, entry)
        if won is None:
            continue  # someone else changed the lock between our read and write: decide again
        await _announce(scope, won, move, previous, reason, entry)
        return pending.without(won, entry) if entry else won
    raise HubError(EditingCodes.LOCK_CONTENDED, story_id=story_id)


async def release(scope: Scope, story_id: str) -> StoryLockDoc:
    """Give the lock back (only its holder may)."""
    actor = _actor(scope)
    for _ in range(ATTEMPTS):
        lock = await current(scope, story_id)
        if lock is None or lock.holder != actor:
            raise HubError(EditingCodes.LOCK_NOT_HELD, story_id=story_id)
        entry = await pending.prepare(
            scope.tenant,
            actor,
            "story.lock.release",
            "story",
            story_id,
            await people.story_state(scope.tenant, story_id),
        )
        won = await _write(
            scope, story_id, lock, {"holder": None, "holder_name": None, "expires_at": 0}, entry
        )
        if won is not None:
            await publish(
                scope.tenant, TOPIC, "lock.released", story_id, actor, {"previous_holder": actor}
            )
            await pending.settle(StoryLockDoc, story_id, entry)
            return pending.without(won, entry)
    raise HubError(EditingCodes.LOCK_CONTENDED, story_id=story_id)


async def _write(
    scope: Scope,
    story_id: str,
    lock: StoryLockDoc | None,
    fields: dict[str, Any],
    entry: pending.Pending | None = None,
) -> StoryLockDoc | None:
    """Insert the first lock, or compare-and-set on `version`, with the change's audit
    `entry` (if any) in the same write; None: lost a race (nothing written)."""
    if lock is None:
        doc = StoryLockDoc(id=story_id, tenant=scope.tenant, **fields)
        if entry is not None:
            entry.on_doc(doc)
        try:
            await doc.insert()
        except DuplicateKeyError:
            return None
        return doc
    return await audited_update(
        StoryLockDoc,
        scope.tenant,
        {"_id": story_id, "version": lock.version},
        {"$set": fields, "$inc": {"version": 1}},
        entry,
    )


def _kind(move: LockMove) -> str:
    return {LockMove.RENEW: "lock.renewed", LockMove.TAKE_OVER: "lock.taken_over"}.get(
        move, "lock.acquired"
    )


async def _announce(
    scope: Scope,
    lock: StoryLockDoc,
    move: LockMove,
    previous: str | None,
    reason: str,
    entry: pending.Pending | None,
) -> None:
    actor = scope.actor
    kind = _kind(move)
    data = {
        "holder": lock.holder,
        "holder_name": lock.holder_name,
        "expires_at": lock.expires_at,
        "previous_holder": previous,
        "reason": reason,
    }
    await publish(scope.tenant, TOPIC, kind, lock.id, actor, data)
    if entry is None:
        return  # a heartbeat: announced, not audited
    await pending.settle(StoryLockDoc, lock.id, entry)
    if move == LockMove.TAKE_OVER and previous:
        text = f"{lock.holder_name or actor} 接管了你正在编辑的稿件的编辑锁" + (
            f":{reason}" if reason else ""
        )
        await notifications.notify(
            scope.tenant, previous, "lock_taken_over", text, story_id=lock.id, actor=actor
        )
