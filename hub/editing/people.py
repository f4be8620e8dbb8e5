"""Names of the people editing (a user id shown as the name colleagues know), and the
story facts their audit entries record."""

from __future__ import annotations

from hub.identity.documents import UserDoc
from hub.store.documents import StoryDoc
from hub.store.tenanted import Tenanted


async def display_name(tenant: str, actor: str | None) -> str | None:
    """The user's display name (and username), else the actor id itself (dev, system)."""
    if actor is None:
        return None
    user = await UserDoc.find_one({"tenant": tenant, "_id": actor})
    if user is None:
        return actor
    return f"{user.display_name}({user.username})"


async def users_by_name(tenant: str, usernames: list[str]) -> dict[str, str]:
    """username → user id, for the names that are users of `tenant` (others are left out)."""
    if not usernames:
        return {}
    found = await UserDoc.find({"tenant": tenant, "username": {"$in": usernames}}).to_list()
    return {u.username: u.id for u in found if not u.disabled}


async def story_state(tenant: str, story_id: str) -> dict[str, object]:
    """What an audit entry about a story records of it: revision and content hash."""
    raw = await Tenanted(StoryDoc, tenant).find_one(
        {"_id": story_id}, {"revision": 1, "content_hash": 1}
    )
    return {"revision": raw.get("revision"), "content_hash": raw.get("content_hash")} if raw else {}
