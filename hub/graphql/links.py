"""Links to stories: the public URL of a published story (`Story.url`, from the center's
site pattern), the center's pattern itself, and shareable preview links of drafts."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from hub.audit.deferred import record
from hub.domain import permalink
from hub.editing import preview_links
from hub.errors import Codes, HubError, invalid
from hub.graphql.context import Context
from hub.graphql.types import Story, ms_to_dt
from hub.ids import now_ms
from hub.media.service import url_secret
from hub.media.signing import uncacheable
from hub.store.documents import StoryDoc, TenantDoc
from hub.store.tenanted import Tenanted

if TYPE_CHECKING:
    from hub.settings import Settings


def preview_key(settings: Settings) -> bytes:
    return preview_links.derive_key(url_secret(settings))


def preview_page_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/preview/{token}"


@strawberry.type(
    description="稿件预览链接: whoever has it sees the draft until it expires or is revoked"
)
class PreviewLink:
    url: str = strawberry.field(
        description="a page of the hub showing the draft (GET /preview/{token})"
    )
    token: str = strawberry.field(
        description="for your own preview page: pass it to storyPreview(token:)"
    )
    expires_at: datetime


@strawberry.type
class LinksQuery:
    @strawberry.field(
        description=(
            "预览: the story a preview link was made for, as it is now (its head: the draft); anyone holding "
            "the token may ask. PREVIEW_LINK_INVALID for an altered token, PREVIEW_LINK_EXPIRED once it expired "
            "or its links were revoked. Nested newsroom-only fields (revisions, lock …) follow the caller's rights."
        )
    )
    async def story_preview(self, info: Info[Context, None], token: str) -> Story | None:
        uncacheable()  # drafts change and links are revoked without a publication
        claim = preview_links.verify(preview_key(info.context.settings), token, time.time())
        await preview_links.check_not_revoked(claim)
        doc = await StoryDoc.find_one({"tenant": claim.tenant, "_id": claim.story_id})
        return Story.from_doc(doc) if doc else None

    @strawberry.field(
        description="公开链接规则: the center's pattern for Story.url (null: the hub's default, if any)"
    )
    async def site_url_pattern(self, info: Info[Context, None]) -> str | None:
        center = await info.context.tenant_loader.load(info.context.scope.tenant)
        return (
            center.site_url_pattern if center else None
        ) or info.context.settings.site_url_pattern


@strawberry.type
class LinksMutation:
    @strawberry.mutation(
        description=(
            "设置公开链接规则: the center's pattern for Story.url, an absolute http(s) URL with placeholders "
            f"{', '.join('{' + p + '}' for p in permalink.PLACEHOLDERS)} ({{id}} required; dates in China time), e.g. "
            "https://news.example.cn/{column}/{yyyy}{mm}{dd}/{id}.html; null clears it. Audited."
        )
    )
    async def set_site_url_pattern(
        self, info: Info[Context, None], pattern: str | None
    ) -> str | None:
        scope = info.context.scope
        checked = permalink.check_pattern(pattern) if pattern else None
        done = await Tenanted(TenantDoc, scope.tenant).update_one(
            {"_id": scope.tenant}, {"$set": {"site_url_pattern": checked}}
        )
        if done.matched_count == 0:  # a center known only from settings: RONGHUB_SITE_URL_PATTERN
            raise HubError(Codes.NOT_FOUND, what_zh="融媒体中心", what_en="center", id=scope.tenant)
        await record(
            scope.tenant,
            scope.actor,
            "tenant.site_url_pattern",
            "tenant",
            scope.tenant,
            {"pattern": checked},
        )
        return checked

    @strawberry.mutation(
        description=(
            "生成预览链接: a link showing the story's current draft to anyone who has it, for ttlSeconds (default and "
            "most: RONGHUB_PREVIEW_LINK_TTL_SECONDS). Revoke all of a story's links with revokePreviewLinks. Audited."
        )
    )
    async def create_preview_link(
        self, info: Info[Context, None], story_id: strawberry.ID, ttl_seconds: int | None = None
    ) -> PreviewLink:
        ctx = info.context
        longest = ctx.settings.preview_link_ttl_seconds
        ttl = longest if ttl_seconds is None else ttl_seconds
        if not 60 <= ttl <= longest:
            raise invalid(
                "ttlSeconds",
                f"有效期应在 60 到 {longest} 秒之间",
                f"must be from 60 to {longest} seconds",
            )
        story = await ctx.stories.require(str(story_id))  # the caller must see the draft
        issued = now_ms()
        claim = preview_links.PreviewClaim(ctx.scope.tenant, story.id, issued, issued // 1000 + ttl)
        token = preview_links.sign(preview_key(ctx.settings), claim)
        await record(
            ctx.scope.tenant,
            ctx.scope.actor,
            "story.preview_link",
            "story",
            story.id,
            {"expires": claim.expires},
        )
        return PreviewLink(
            url=preview_page_url(ctx.settings, token),
            token=token,
            expires_at=ms_to_dt(claim.expires * 1000),
        )

    @strawberry.mutation(
        description="撤销预览链接: every preview link of the story made until now stops working. Audited."
    )
    async def revoke_preview_links(
        self, info: Info[Context, None], story_id: strawberry.ID
    ) -> bool:
        ctx = info.context
        story = await ctx.stories.require(str(story_id))
        await preview_links.revoke(ctx.scope.tenant, story.id, ctx.scope.actor, now_ms())
        await record(
            ctx.scope.tenant, ctx.scope.actor, "story.preview_links_revoked", "story", story.id, {}
        )
        return True
