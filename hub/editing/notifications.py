"""Stored notices for one user (@mentions, a lock taken over): list and mark read."""

from __future__ import annotations

from beanie.odm.enums import SortDirection

from hub.editing.documents import NotificationDoc
from hub.errors import Codes, HubError
from hub.ids import now_ms
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted


async def notify(
    tenant: str,
    user_id: str,
    kind: str,
    text: str,
    *,
    story_id: str | None = None,
    comment_id: str | None = None,
    actor: str | None = None,
) -> NotificationDoc:
    doc = NotificationDoc(
        tenant=tenant,
        user_id=user_id,
        kind=kind,
        text=text,
        story_id=story_id,
        comment_id=comment_id,
        actor=actor,
    )
    await doc.insert()
    return doc


def _me(scope: Scope) -> str:
    if scope.actor is None:
        raise HubError(Codes.UNAUTHENTICATED)
    return scope.actor


async def mine(scope: Scope, unread_only: bool = False, first: int = 50) -> list[NotificationDoc]:
    """The caller's notices, newest first."""
    q: dict[str, object] = {"tenant": scope.tenant, "user_id": _me(scope)}
    if unread_only:
        q["read_at"] = 0
    docs = (
        await NotificationDoc.find(q)
        .sort([("created_at", SortDirection.DESCENDING)])
        .limit(first)
        .to_list()
    )
    return docs


async def mark_read(scope: Scope, ids: list[str] | None) -> int:
    """Mark the caller's notices read (`ids` None: all of them); returns how many changed."""
    q: dict[str, object] = {"tenant": scope.tenant, "user_id": _me(scope), "read_at": 0}
    if ids is not None:
        q["_id"] = {"$in": list(ids)}
    result = await Tenanted(NotificationDoc, scope.tenant).update_many(
        q, {"$set": {"read_at": now_ms()}}
    )
    return int(result.modified_count)
