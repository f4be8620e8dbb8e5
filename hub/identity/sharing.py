"""稿件共享/上报: explicit grants that let one tenant read and take another's story.

A center offers one of its stories to another center or to the platform; the grant
is the only way a story crosses tenants. While the grant is open the receiving
tenant may read the offered story; taking it copies the offered revision into the
receiver's tenant, marked as a reprint, and records the copy on the grant
(provenance: who offered which revision, who took it, and the copy's id).
"""

from __future__ import annotations

from typing import Any

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument

from hub.audit.deferred import record
from hub.errors import Codes, HubError, invalid
from hub.identity.documents import ShareGrantDoc
from hub.ids import now_ms
from hub.store.documents import RevisionDoc, StoryDoc, TenantDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.store.tenanted import Tenanted

OPEN = ("offered", "taken")


def _grant_not_found(grant_id: str) -> HubError:
    return HubError(Codes.NOT_FOUND, what_zh="共享稿件", what_en="share grant", id=grant_id)


class ShareRepository:
    def __init__(self, scope: Scope, max_body_chars: int = 200_000) -> None:
        self.scope = scope
        self.max_body_chars = max_body_chars

    async def offer(self, story_id: str, to_tenant: str, note: str | None) -> ShareGrantDoc:
        """Offer one of this tenant's stories (as it is now) to `to_tenant`."""
        if to_tenant == self.scope.tenant:
            raise invalid("toTenant", "不能共享给本中心", "cannot share with your own tenant")
        story = await StoryRepository(self.scope, self.max_body_chars).require(story_id)
        if await TenantDoc.find_one({"_id": to_tenant, "tenant": to_tenant}) is None:
            raise HubError(Codes.NOT_FOUND, what_zh="中心", what_en="tenant", id=to_tenant)
        grant = ShareGrantDoc(
            tenant=self.scope.tenant,
            story_id=story.id,
            to_tenant=to_tenant,
            note=note,
            offered_by=self.scope.actor,
            source_version=story.version,
        )
        await grant.insert()
        await record(
            self.scope.tenant,
            self.scope.actor,
            "share.offer",
            "story",
            story.id,
            {"grant": grant.id, "to": to_tenant, "version": story.version},
        )
        return grant

    async def outgoing(self) -> list[ShareGrantDoc]:
        return (
            await ShareGrantDoc.find({"tenant": self.scope.tenant})
            .sort([("offered_at", SortDirection.DESCENDING)])
            .to_list()
        )

    async def incoming(self) -> list[ShareGrantDoc]:
        """Grants offered to this tenant (the only cross-tenant listing: by `to_tenant`)."""
        return (
            await ShareGrantDoc.find({"to_tenant": self.scope.tenant})
            .sort([("offered_at", SortDirection.DESCENDING)])
            .to_list()
        )

    async def _incoming_grant(self, grant_id: str) -> ShareGrantDoc:
        grant = await ShareGrantDoc.find_one({"_id": grant_id, "to_tenant": self.scope.tenant})
        if grant is None or grant.status not in OPEN:  # room for a later "withdrawn"
            raise _grant_not_found(grant_id)
        return grant

    async def shared_revision(self, grant_id: str) -> tuple[ShareGrantDoc, RevisionDoc]:
        """The offered revision of the story, readable by the receiving tenant only."""
        grant = await self._incoming_grant(grant_id)
        rev = await RevisionDoc.find_one(
            {
                "tenant": grant.tenant,
                "_id": RevisionDoc.make_id(grant.story_id, grant.source_version or 1),
            }
        )
        if rev is None:
            raise _grant_not_found(grant_id)
        return grant, rev

    async def take(self, grant_id: str) -> StoryDoc:
        """Copy the offered revision into this tenant as a new draft, once per grant."""
        grant, rev = await self.shared_revision(grant_id)
        claimed = await Tenanted(ShareGrantDoc, grant.tenant).find_one_and_update(
            {"_id": grant.id, "to_tenant": self.scope.tenant, "status": "offered"},
            {"$set": {"status": "taken", "taken_by": self.scope.actor, "taken_at": now_ms()}},
            return_document=ReturnDocument.AFTER,
        )
        if claimed is None:
            raise invalid(
                "grantId", "这篇共享稿件已被采用", "this shared story has already been taken"
            )
        origin = await TenantDoc.find_one({"_id": grant.tenant, "tenant": grant.tenant})
        content = rev.content.model_dump()
        fields: dict[str, Any] = {
            k: v
            for k, v in content.items()
            if k not in ("column_id", "cover_asset_id", "asset_ids")
        }
        fields["source"] = {
            **content.get("source", {}),
            "source_name": origin.name if origin else grant.tenant,
            "original_title": content.get("title"),
            "reprint": True,
        }
        copy = await StoryRepository(self.scope, self.max_body_chars).create(fields)
        await Tenanted(ShareGrantDoc, grant.tenant).update_one(
            {"_id": grant.id, "to_tenant": self.scope.tenant}, {"$set": {"taken_story_id": copy.id}}
        )
        details = {
            "grant": grant.id,
            "from": grant.tenant,
            "story": grant.story_id,
            "version": grant.source_version,
            "copy": copy.id,
        }
        await record(self.scope.tenant, self.scope.actor, "share.take", "story", copy.id, details)
        await record(
            grant.tenant,
            self.scope.actor,
            "share.taken",
            "story",
            grant.story_id,
            {**details, "by": self.scope.tenant},
        )
        return copy
