"""app: the center's own app (云上XX / 掌上XX) through the hub's public read model.

Delivery marks the revision published in the read model the app's GraphQL reads; the
engine hands `deliver` a `ronghub_sdk.transports.ReadModel` (the interface it provides).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ronghub_sdk import (
    Capability,
    ChannelInfo,
    DeliveryResult,
    Metrics,
    PlatformStatus,
    Problem,
    StatusState,
    StoryInput,
    TransportKind,
    Variant,
    hookimpl,
)
from ronghub_sdk.transports import ReadModel

from plugins._kit import compact, make_variant, required, too_long

NAME = "app"
DEFAULTS: dict[str, Any] = {"limits": {"title_max": 64, "summary_max": 200, "list_title_max": 40}}


@hookimpl
def describe() -> ChannelInfo:
    """The app channel."""
    return ChannelInfo(
        name=NAME,
        title_zh="本中心客户端",
        title_en="The center's own app",
        transport=TransportKind.READ_MODEL,
        capabilities=frozenset(
            {
                Capability.TEXT,
                Capability.IMAGES,
                Capability.VIDEO,
                Capability.RETRACT,
                Capability.CORRECT,
                Capability.POLL_STATUS,
                Capability.METRICS,
            }
        ),
        defaults=DEFAULTS,
        config_schema={
            "type": "object",
            "properties": {
                "limits": {
                    "type": "object",
                    "properties": {
                        k: {"type": "integer", "minimum": 1} for k in DEFAULTS["limits"]
                    },
                }
            },
        },
        version="0.1.0",
        overridable=("title", "list_title", "summary"),
    )


@hookimpl
def render(story: StoryInput, overrides: Mapping[str, Any]) -> Variant:
    """The app shows the story as written; `list_title` is the title in column lists."""
    fields = {
        "title": story.title,
        "list_title": story.title,
        "subtitle": story.subtitle,
        "summary": story.summary,
        "body": story.body,
        "type": story.type,
        "column_id": story.column_id,
        "tags": list(story.tags),
        "cover_asset_id": story.cover_asset_id,
        "byline": story.byline,
        "source_name": story.source.source_name,
        "published_at_ms": story.approved_at_ms,
    }
    return make_variant(NAME, story, fields, overrides)


@hookimpl
def validate(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """Title present and within the app's limits."""
    limits = config["limits"]
    return compact(
        [
            required("APP_TITLE_REQUIRED", "title", "标题", variant.get("title")),
            too_long(
                "APP_TITLE_TOO_LONG", "title", "标题", variant.get("title"), limits["title_max"]
            ),
            too_long(
                "APP_LIST_TITLE_TOO_LONG",
                "list_title",
                "列表标题",
                variant.get("list_title"),
                limits["list_title_max"],
            ),
            too_long(
                "APP_SUMMARY_TOO_LONG",
                "summary",
                "摘要",
                variant.get("summary"),
                limits["summary_max"],
            ),
        ]
    )


@hookimpl
async def deliver(variant: Variant, transport: ReadModel) -> DeliveryResult:
    """Publish into the read model; the app sees it at once (LIVE)."""
    url = await transport.publish(
        variant.tenant, variant.story_id, variant.revision_id, variant.fields
    )
    return DeliveryResult(
        variant.story_id,
        PlatformStatus(StatusState.LIVE, final=True),
        url=url,
        details={"tenant": variant.tenant, "revision_id": variant.revision_id},
    )


@hookimpl
async def poll_status(delivery: DeliveryResult) -> PlatformStatus:
    """The read model is ours: its status is what we last wrote."""
    return delivery.status


@hookimpl
async def retract(delivery: DeliveryResult, transport: ReadModel, reason: str) -> DeliveryResult:
    """Take the story out of the app (撤稿); harmless when already out."""
    tenant = delivery.details.get("tenant", "")
    await transport.unpublish(tenant, delivery.external_id, reason)
    return DeliveryResult(
        delivery.external_id,
        PlatformStatus(StatusState.REMOVED, reason_zh=reason, final=True),
        url=delivery.url,
        details=delivery.details,
    )


@hookimpl
async def correct(variant: Variant, transport: ReadModel) -> DeliveryResult:
    """Publish the corrected revision in place (same URL)."""
    return await deliver(variant, transport)


@hookimpl
async def fetch_metrics(delivery: DeliveryResult, transport: ReadModel) -> Metrics:
    """The app's own anonymous reads (bots left out) and, from the app's beacons, the
    share of readers who read to the end."""
    counts = await transport.read_counts(delivery.details.get("tenant", ""), delivery.external_id)
    beacons = int(counts.get("beacons", 0))
    rate = int(counts.get("completions", 0)) / beacons if beacons else None
    return Metrics(views=int(counts.get("reads", 0)), completion_rate=rate, details=dict(counts))
