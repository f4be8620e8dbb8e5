"""Names of the people editing: a user id shown as the name colleagues know."""

from __future__ import annotations

from hub.identity.documents import UserDoc


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
