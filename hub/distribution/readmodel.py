"""The hub's own public read model, as the `app` channel's transport (ronghub_sdk ReadModel).

Publishing copies an approved revision into `published_stories` (what anonymous
readers and the app see), marks the story published and advances the tenant's
read-model generation so cached public responses go stale. Both calls are idempotent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from ronghub_sdk import PermanentDeliveryError

from hub.domain import permalink
from hub.domain.story import StoryStatus
from hub.errors import HubError
from hub.events import bus
from hub.feeds import log as feed_log
from hub.ids import now_ms
from hub.reach import reads as reach_reads
from hub.store.coalesce import find_by_id
from hub.store.documents import ColumnDoc, PublishedStoryDoc, RevisionDoc, StoryDoc, TenantDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.store.tenanted import Tenanted

ACTOR = "channel:app"
#: Bus events (topic `story`) when a story's public copy is written or removed.
LIVE_PUBLISHED = "story.public_updated"
LIVE_UNPUBLISHED = "story.public_removed"
_STATUS_RETRIES = 5


class ReadModelStore:
    """Implements `ronghub_sdk.transports.ReadModel` on the hub's store."""

    def __init__(
        self,
        public_base_url: str = "",
        on_change: Callable[[str, int], None] | None = None,
        site_url_pattern: str | None = None,
    ) -> None:
        self.public_base_url = public_base_url.rstrip("/")
        self.on_change = on_change  # told (tenant, new generation) after each change
        self.site_url_pattern = site_url_pattern  # the deployment's; a center's own comes first

    async def canonical_url(
        self, tenant: str, story_id: str, column_id: str | None, published_at: int
    ) -> str | None:
        """Where readers find the story, for partners (feeds' `url`, ninjs canonical-url):
        the center's site page by its pattern (as `Story.url`), else the hub's public
        API address, else None."""
        center = await TenantDoc.find_one({"_id": tenant})
        pattern = permalink.usable(center.site_url_pattern if center else None) or permalink.usable(
            self.site_url_pattern
        )
        if pattern is not None:
            column = (
                await ColumnDoc.find_one({"tenant": tenant, "_id": column_id})
                if column_id
                else None
            )
            return permalink.story_url(
                pattern, story_id, column.slug if column else None, published_at, tenant
            )
        return f"{self.public_base_url}/stories/{story_id}" if self.public_base_url else None

    async def _changed(self, tenant: str, story_id: str, kind: str) -> None:
        generation = await StoryRepository(
            Scope(tenant, ACTOR, public_only=False)
        ).bump_read_model()
        if self.on_change is not None:
            self.on_change(tenant, generation)
        # live screens (liveStory, newsroomEvents topic STORY): the public copy changed
        await bus.publish(tenant, "story", kind, story_id, ACTOR, {"generation": generation})

    async def publish(
        self, tenant: str, story_id: str, revision_id: str, fields: Mapping[str, Any]
    ) -> str:
        # the revision, the story and its public copy read side by side (one after the other
        # they were three round trips on the way of every story to the app); the story's
        # read joins the send-time checks' of the story's other channels (hub/store/coalesce.py)
        mine = {"tenant": tenant}
        rev, story, existing = await asyncio.gather(
            find_by_id(RevisionDoc, mine, revision_id),
            find_by_id(StoryDoc, mine, story_id),
            find_by_id(PublishedStoryDoc, mine, story_id),
        )
        if rev is None or story is None or rev.story_id != story_id:
            raise PermanentDeliveryError(
                f"找不到要发布的稿件版本 {revision_id}",
                f"no revision {revision_id} of story {story_id}",
            )
        # the story is marked published first, so the public copy carries the version the
        # newsroom sees afterwards: both views show the same number until someone edits
        story = (
            await self._set_story_status(tenant, story_id, StoryStatus.PUBLISHED, read=story)
            or story
        )
        now = now_ms()
        content = rev.content.model_dump()
        content["tags"] = list(rev.content.tags)
        content["asset_ids"] = list(rev.content.asset_ids)
        content["channels"] = list(rev.content.channels)
        doc = PublishedStoryDoc(
            id=story_id,
            tenant=tenant,
            version=story.version,
            revision=rev.number,
            status=StoryStatus.PUBLISHED,
            content_hash=rev.content_hash,
            created_at=story.created_at,
            updated_at=now,
            published_at=existing.published_at if existing and existing.published_at else now,
            created_by=story.created_by,
            updated_by=ACTOR,
            **content,
        )
        await doc.save()  # upsert: the same revision published twice is the same document
        url = f"{self.public_base_url}/stories/{story_id}"
        canonical = await self.canonical_url(
            tenant, story_id, rev.content.column_id, doc.published_at or now
        )
        # partners: the story as published enters the partner item log (idempotent)
        await feed_log.put_story(
            tenant,
            feed_log.APP_FEED,
            story_id,
            rev.content,
            revision=rev.number,
            content_hash=rev.content_hash,
            published_at=doc.published_at,
            updated_at=now,
            canonical_url=canonical,
        )
        await self._changed(tenant, story_id, LIVE_PUBLISHED)
        return url

    async def unpublish(self, tenant: str, story_id: str, reason: str) -> None:
        await Tenanted(PublishedStoryDoc, tenant).delete_one({"_id": story_id})
        await feed_log.withdraw(
            tenant, feed_log.APP_FEED, story_id, reason
        )  # partners see the takedown
        await self._set_story_status(tenant, story_id, StoryStatus.RETRACTED, {"reason": reason})
        await self._changed(tenant, story_id, LIVE_UNPUBLISHED)

    async def read_counts(self, tenant: str, story_id: str) -> Mapping[str, int]:
        """The app's anonymous read counts of the story (hub/reach/reads.py)."""
        return await reach_reads.read_counts(tenant, story_id)

    @staticmethod
    async def _set_story_status(
        tenant: str,
        story_id: str,
        status: StoryStatus,
        data: dict[str, Any] | None = None,
        read: StoryDoc | None = None,
    ) -> StoryDoc | None:
        """The story in `status` (set unless it is already), as stored afterwards. `read`:
        the story as just read by the caller (its version is tried first: a stale one only
        costs the re-read a conflict makes anyway)."""
        repo = StoryRepository(Scope(tenant, ACTOR, public_only=False))
        story = None
        for _ in range(_STATUS_RETRIES):  # concurrent edits bump the version: re-read and retry
            story, read = read or await StoryDoc.find_one({"tenant": tenant, "_id": story_id}), None
            if story is None or story.status == status:
                return story
            try:
                return await repo.set_status(story_id, story.version, status, data)
            except HubError as exc:
                if exc.code != "VERSION_CONFLICT":
                    raise
        return story
