"""The asset repository: media assets of one tenant, their metadata and their users.

References: a story that uses an asset (as cover or in its body's asset list) is in
the asset's `refs` list. Adding and removing a story id are `$addToSet` / `$pull` on
the one asset document, so they are atomic and idempotent; an asset is deleted only
by a delete whose filter requires `refs` to be empty, so a story that starts using it
at the same moment either blocks the delete or never sees the asset gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument

from hub.domain.plaintext import check_plain_text
from hub.errors import Codes, HubError, invalid
from hub.ids import now_ms
from hub.media.errors import MediaCodes
from hub.store import cursor as cursors
from hub.store.documents import AssetDoc, StoryDoc
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted

EDITABLE = ("title", "alt", "credit", "copyright", "caption", "focal_x", "focal_y")
MAX_TEXT = 2_000


def not_found(asset_id: str) -> HubError:
    return HubError(Codes.NOT_FOUND, what_zh="媒体资源", what_en="asset", id=asset_id)


@dataclass(frozen=True)
class AssetPage:
    items: list[AssetDoc]
    cursors: list[str]
    has_next: bool


def check_gov_alt(assets: Iterable[AssetDoc]) -> None:
    """For the government portal (政府网站): every image must carry alt text.

    Raises ALT_TEXT_REQUIRED naming the first image without it; the gov_site channel
    calls this before it renders a story.
    """
    for asset in assets:
        if asset.kind == "image" and not (asset.alt or "").strip():
            raise HubError(MediaCodes.ALT_TEXT_REQUIRED, id=asset.id, filename=asset.filename)


def missing_alt(assets: Iterable[AssetDoc]) -> list[str]:
    """Ids of the images without alt text (for showing all problems at once)."""
    return [a.id for a in assets if a.kind == "image" and not (a.alt or "").strip()]


class AssetStore:
    """Reads and writes of assets within the scope's tenant."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    @property
    def _coll(self) -> Tenanted:
        return Tenanted(AssetDoc, self.scope.tenant)

    def _writer(self) -> str:
        if self.scope.anonymous:
            raise HubError(Codes.UNAUTHENTICATED)
        assert self.scope.actor is not None
        return self.scope.actor

    async def get(self, asset_id: str) -> AssetDoc | None:
        return await AssetDoc.find_one({"tenant": self.scope.tenant, "_id": asset_id})

    async def require(self, asset_id: str) -> AssetDoc:
        doc = await self.get(asset_id)
        if doc is None:
            raise not_found(asset_id)
        return doc

    async def add(self, doc: AssetDoc) -> AssetDoc:
        self._writer()
        if doc.tenant != self.scope.tenant:
            raise ValueError("asset belongs to another tenant")
        await doc.insert()
        return doc

    async def page(self, first: int, after: str | None, kind: str | None = None) -> AssetPage:
        """Newest first, keyset-paged on (created_at, _id)."""
        q: dict[str, Any] = {"tenant": cursors.eq(self.scope.tenant)}
        if kind:
            q["kind"] = cursors.eq(kind)
        docs = await cursors.page_after(AssetDoc, q, "created_at", after, first + 1)
        has_next = len(docs) > first
        docs = docs[:first]
        return AssetPage(
            docs, [cursors.encode("created_at", d.created_at, d.id) for d in docs], has_next
        )

    async def update(self, asset_id: str, changes: dict[str, Any]) -> AssetDoc:
        """Change descriptive fields (alt, credit, copyright, focal point...)."""
        self._writer()
        fields: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in EDITABLE:
                raise invalid(name, "此字段不能修改", "this field cannot be changed")
            if name.startswith("focal_"):
                if value is None or not 0.0 <= float(value) <= 1.0:
                    raise invalid(
                        name, "焦点坐标应在 0 到 1 之间", "the focal point must be between 0 and 1"
                    )
                value = float(value)
            elif value is not None:
                value = str(value).strip()
                if len(value) > MAX_TEXT:
                    raise invalid(
                        name, f"不能超过 {MAX_TEXT} 个字符", f"at most {MAX_TEXT} characters"
                    )
                value = check_plain_text(name, value) or None
            fields[name] = value
        fields["updated_at"] = now_ms()
        raw = await self._coll.find_one_and_update(
            {"_id": asset_id, "tenant": self.scope.tenant},
            {"$set": fields},
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            raise not_found(asset_id)
        return AssetDoc.model_validate(raw)

    async def add_rendition(self, asset_id: str, key: str) -> None:
        await self._coll.update_one(
            {"_id": asset_id, "tenant": self.scope.tenant}, {"$addToSet": {"renditions": key}}
        )

    # ---- references ------------------------------------------------------------------
    async def attach(self, story_id: str, asset_ids: Iterable[str]) -> None:
        """Record that the story uses these assets (idempotent)."""
        ids = sorted(set(asset_ids))
        if ids:
            await self._coll.update_many(
                {"tenant": self.scope.tenant, "_id": {"$in": ids}},
                {"$addToSet": {"refs": story_id}},
            )

    async def detach(self, story_id: str, asset_ids: Iterable[str]) -> None:
        """Record that the story no longer uses these assets (idempotent)."""
        ids = sorted(set(asset_ids))
        if ids:
            await self._coll.update_many(
                {"tenant": self.scope.tenant, "_id": {"$in": ids}}, {"$pull": {"refs": story_id}}
            )

    async def sync_story(self, story_id: str, before: Iterable[str], after: Iterable[str]) -> None:
        """Move the story's references from the `before` assets to the `after` ones."""
        old, new = set(before), set(after)
        await self.attach(story_id, new - old)
        await self.detach(story_id, old - new)

    async def release_story(self, story_id: str) -> None:
        """A story is deleted: it uses no asset any more (the assets themselves stay)."""
        await self._coll.update_many(
            {"tenant": self.scope.tenant, "refs": {"$all": [story_id]}},
            {"$pull": {"refs": story_id}},
        )

    async def users(self, asset_id: str) -> list[str]:
        """Ids of the stories that use the asset, from the stories themselves (the truth
        the `refs` list mirrors; it heals a reference lost to a crash between writes)."""
        q = {"$or": [{"asset_ids": {"$all": [asset_id]}}, {"cover_asset_id": asset_id}]}
        docs = await Tenanted(StoryDoc, self.scope.tenant).find(q, {"_id": 1}).to_list(None)
        return [str(d["_id"]) for d in docs]

    async def delete(self, asset_id: str) -> AssetDoc:
        """Delete the asset's document if no story uses it; returns it (its blobs are the
        caller's to remove). Raises ASSET_IN_USE otherwise."""
        self._writer()
        doc = await self.require(asset_id)
        users = await self.users(asset_id)
        if users:
            await self.attach_many(asset_id, users)
            raise HubError(MediaCodes.ASSET_IN_USE, count=len(users), stories=users[:20])
        stale = [story_id for story_id in doc.refs if story_id not in users]
        if stale:
            # references left by writes that landed out of order (or a crash): no story
            # uses the asset any more, the stories themselves say so
            await self._coll.update_one(
                {"_id": asset_id, "tenant": self.scope.tenant}, {"$pull": {"refs": {"$in": stale}}}
            )
        deleted = await self._coll.find_one_and_delete(
            {"_id": asset_id, "tenant": self.scope.tenant, "refs": {"$size": 0}}
        )
        if deleted is None:
            fresh = await self.require(asset_id)
            raise HubError(MediaCodes.ASSET_IN_USE, count=len(fresh.refs), stories=fresh.refs[:20])
        return doc

    async def attach_many(self, asset_id: str, story_ids: list[str]) -> None:
        await self._coll.update_one(
            {"_id": asset_id, "tenant": self.scope.tenant},
            {"$addToSet": {"refs": {"$each": story_ids}}},
        )
