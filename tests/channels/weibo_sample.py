"""A third-party channel plugin as an outside author writes it against the SDK alone:
微博 `statuses/share` with the story's cover picture (docs/platforms.md). Render names the
cover it will post (`pic_asset_id`); deliver uploads that picture, then shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ronghub_sdk import (
    ChannelInfo,
    DeliveryResult,
    PlatformStatus,
    Problem,
    StatusState,
    StoryInput,
    TransportKind,
    Variant,
    hookimpl,
)

NAME = "weibo"


@hookimpl
def describe() -> ChannelInfo:
    """微博: text with a link to the app, and the cover picture."""
    return ChannelInfo(
        name=NAME,
        title_zh="微博",
        title_en="Weibo",
        transport=TransportKind.PLATFORM_API,
        version="0.1.0",
        defaults={"limits": {"text_max": 140}},
        overridable=("text",),
    )


@hookimpl
def render(story: StoryInput, overrides: Mapping[str, Any]) -> Variant:
    """The cover is posted only when the hub handed its file over (an `Asset` with a URL)."""
    cover = story.asset(story.cover_asset_id)
    fields = {
        "text": story.summary or story.title,
        "pic_asset_id": cover.id if cover else None,
        **overrides,
    }
    return Variant(
        NAME,
        story.story_id,
        story.revision_id,
        fields,
        tenant=story.tenant,
        overridden=tuple(sorted(overrides)),
        assets=(cover,) if cover else (),
    )


@hookimpl
def validate(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    limit = config["limits"]["text_max"]
    if len(variant.fields.get("text") or "") > limit:
        return [
            Problem(
                "WEIBO_TEXT_TOO_LONG",
                "text",
                f"微博正文最多 {limit} 个字。",
                f"at most {limit} characters.",
            )
        ]
    return []


@hookimpl
async def deliver(variant: Variant, transport: Any, idempotency_key: str) -> DeliveryResult:
    """Upload the cover (its media id is the platform's, known only now), then share."""
    pic = next((a for a in variant.assets if a.id == variant.fields.get("pic_asset_id")), None)
    pic_id = await transport.upload_picture(pic.url) if pic is not None else None
    item = await transport.share(variant.fields["text"], pic_id, idempotency_key)
    return DeliveryResult(str(item), PlatformStatus(StatusState.LIVE, final=True))
