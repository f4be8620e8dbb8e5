"""The URLs of GraphQL objects: an asset's original and renditions, a published story's
page on the center's site. Kept apart from hub/graphql/types.py (whose fields call them)
and free of its imports, so the types module needs no import back from a subsystem."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from strawberry.types import Info

from hub.domain import permalink
from hub.errors import HubError, invalid
from hub.graphql.context import Context
from hub.media.assets import AssetStore
from hub.media.blobs import BlobNotFound
from hub.media.errors import MediaCodes
from hub.media.renditions import PRESETS
from hub.media.service import media_service

if TYPE_CHECKING:
    from hub.graphql.types import Asset, Story

log = structlog.get_logger(__name__)


async def original_url(info: Info[Context, None], asset: Asset) -> str | None:
    if asset.blob_key is None:
        return None
    return await media_service(info.context.settings).url(asset.blob_key, asset.mime)


async def rendition_url_for(info: Info[Context, None], asset_id: str, spec: str) -> str:
    """Anonymous readers (assets of published stories) may ask for presets only, so they
    cannot make the hub render and store arbitrary sizes."""
    scope = info.context.scope
    if scope.anonymous and spec not in PRESETS:
        raise invalid(
            "spec",
            f"匿名访问只能使用预设规格:{', '.join(PRESETS)}",
            f"anonymous readers may use presets only: {', '.join(PRESETS)}",
        )
    media = media_service(info.context.settings)
    asset = await AssetStore(scope).require(asset_id)
    key, mime = await media.rendition(scope, asset, spec)
    return await media.url(key, mime)


#: The picture itself is missing or bad: the field is null (logged), not an error.
_NO_PICTURE = {
    MediaCodes.RENDITION_UNSUPPORTED.code,
    MediaCodes.MEDIA_UNREADABLE.code,
    MediaCodes.IMAGE_TOO_LARGE.code,
    MediaCodes.IMAGE_TOO_MANY_FRAMES.code,
}


async def rendition_url_or_none(info: Info[Context, None], asset: Asset, spec: str) -> str | None:
    """`Asset.renditionUrl`: a rendition's URL, or None when the asset has no picture to
    render (a video, an asset without a file, a file gone or unreadable). A spec the
    caller may not use is still an error, on this field only (it is nullable)."""
    scope = info.context.scope
    if scope.anonymous and spec not in PRESETS:
        raise invalid(
            "spec",
            f"匿名访问只能使用预设规格:{', '.join(PRESETS)}",
            f"anonymous readers may use presets only: {', '.join(PRESETS)}",
        )
    if asset.kind != "image" or asset.blob_key is None:
        return None
    try:
        return await rendition_url_for(info, str(asset.id), spec)
    except BlobNotFound:
        log.warning("media.rendition_original_missing", asset=str(asset.id), key=asset.blob_key)
        return None
    except HubError as err:
        if err.code not in _NO_PICTURE:
            raise
        log.warning("media.rendition_failed", asset=str(asset.id), code=err.code)
        return None


async def story_url_for(info: Info[Context, None], story: Story) -> str | None:
    """`Story.url`: None until the story is published, or when the center has no pattern."""
    ctx = info.context
    if story.published_at is None:
        return None
    center = await ctx.tenant_loader.load(ctx.scope.tenant)
    pattern = permalink.usable(center.site_url_pattern if center else None) or permalink.usable(
        ctx.settings.site_url_pattern
    )
    if pattern is None:
        return None
    column = await ctx.column_loader.load(story.column_id) if story.column_id else None
    published = int(story.published_at.timestamp() * 1000)  # stored as UTC (tz-aware)
    return permalink.story_url(
        pattern, str(story.id), column.slug if column else None, published, ctx.scope.tenant
    )
