"""Two test channels for engine tests: `paper` (the hub's read model) and `wall`, a
platform API whose in-memory platform records items by idempotency key and can be
scripted to throttle, reject, or keep an item under review for a few polls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ronghub_sdk import (
    Capability,
    ChannelInfo,
    DeliveryResult,
    Metrics,
    PermanentDeliveryError,
    PlatformStatus,
    Problem,
    StatusState,
    StoryInput,
    TransientDeliveryError,
    TransportKind,
    Variant,
    hookimpl,
)


class Paper:
    @hookimpl
    def describe(self) -> ChannelInfo:
        return ChannelInfo(
            "paper",
            "测试客户端",
            "test app",
            TransportKind.READ_MODEL,
            frozenset({Capability.RETRACT, Capability.CORRECT}),
            overridable=("title",),
        )

    @hookimpl
    def render(self, story: StoryInput, overrides: dict[str, Any]) -> Variant:
        return Variant(
            "paper",
            story.story_id,
            story.revision_id,
            {"title": story.title, **overrides},
            tenant=story.tenant,
        )

    @hookimpl
    def validate(self, variant: Variant) -> list[Problem]:
        return []

    @hookimpl
    async def deliver(self, variant: Variant, transport: Any) -> DeliveryResult:
        url = await transport.publish(
            variant.tenant, variant.story_id, variant.revision_id, variant.fields
        )
        return DeliveryResult(
            variant.story_id,
            PlatformStatus(StatusState.LIVE, final=True),
            url=url,
            details={"tenant": variant.tenant},
        )

    @hookimpl
    async def correct(self, variant: Variant, transport: Any) -> DeliveryResult:
        return await self.deliver(variant, transport)

    @hookimpl
    async def retract(
        self, delivery: DeliveryResult, transport: Any, reason: str
    ) -> DeliveryResult:
        await transport.unpublish(delivery.details["tenant"], delivery.external_id, reason)
        return DeliveryResult(delivery.external_id, PlatformStatus(StatusState.REMOVED, final=True))


@dataclass
class Platform:
    """The far side of `wall`: what a real platform would hold."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    calls: int = 0
    throttle: int = 0  # answer 429 this many times
    reject_with: str | None = None
    review_polls: int = 0  # stay under review for this many polls
    accept_first: bool = False  # answer delivery with "accepted" (not final) before review
    removed: set[str] = field(default_factory=set)
    metrics_fetches: int = 0

    def live_items(self) -> list[str]:
        return [k for k, v in self.items.items() if v["id"] not in self.removed]


class Wall:
    @hookimpl
    def describe(self) -> ChannelInfo:
        caps = frozenset({Capability.POLL_STATUS, Capability.RETRACT})
        return ChannelInfo(
            "wall",
            "测试平台",
            "test platform",
            TransportKind.PLATFORM_API,
            caps,
            defaults={"limits": {"title_max": 20}},
        )

    @hookimpl
    def render(self, story: StoryInput, overrides: dict[str, Any]) -> Variant:
        return Variant(
            "wall",
            story.story_id,
            story.revision_id,
            {"text": story.title, **overrides},
            tenant=story.tenant,
        )

    @hookimpl
    def validate(self, variant: Variant, config: dict[str, Any]) -> list[Problem]:
        limit = config["limits"]["title_max"]
        if len(variant.get("text", "")) > limit:
            return [
                Problem(
                    "WALL_TEXT_TOO_LONG",
                    "text",
                    f"正文不能超过 {limit} 个字",
                    f"text over {limit} characters",
                )
            ]
        return []

    @hookimpl
    async def deliver(
        self, variant: Variant, transport: Platform, idempotency_key: str
    ) -> DeliveryResult:
        transport.calls += 1
        if transport.throttle > 0:
            transport.throttle -= 1
            raise TransientDeliveryError(
                "平台限流,请稍后重试", "rate limited", platform_code="429", retry_after_s=0
            )
        if transport.reject_with:
            raise PermanentDeliveryError(transport.reject_with, "rejected", platform_code="40001")
        item = transport.items.setdefault(
            idempotency_key, {"id": f"w{len(transport.items) + 1}", "text": variant.get("text")}
        )
        state = StatusState.UNDER_REVIEW if transport.review_polls else StatusState.LIVE
        if transport.accept_first:
            state = StatusState.ACCEPTED
        return DeliveryResult(
            item["id"],
            PlatformStatus(state, final=state == StatusState.LIVE),
            url=f"https://wall.test/{item['id']}",
        )

    @hookimpl
    async def poll_status(self, delivery: DeliveryResult, transport: Platform) -> PlatformStatus:
        if transport.review_polls > 0:
            transport.review_polls -= 1
            return PlatformStatus(StatusState.UNDER_REVIEW)
        return PlatformStatus(StatusState.LIVE, final=True)

    @hookimpl
    async def fetch_metrics(self, delivery: DeliveryResult, transport: Platform) -> Metrics:
        transport.metrics_fetches += 1
        return Metrics(views=100 * transport.metrics_fetches, likes=7, comments=None, shares=1)

    @hookimpl
    async def retract(self, delivery: DeliveryResult, transport: Platform) -> DeliveryResult:
        transport.removed.add(delivery.external_id)
        return DeliveryResult(delivery.external_id, PlatformStatus(StatusState.REMOVED, final=True))
