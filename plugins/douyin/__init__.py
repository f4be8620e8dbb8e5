"""douyin: 抖音 open platform (video or images, chunked upload, create, status polling).

Protocol (docs/platforms.md): OAuth refresh `/oauth/refresh_token/`; upload `/video/upload/`
or, above the chunk threshold, `/video/part/init|upload|complete/`; create
`/video/create/` with `text` (hashtags inline) -> `item_id`; images `/image/upload/` +
`/image/create/`; status `/video/data/` (1 live, 2 not suitable for public, 4 under
review); delete `/video/delete/`. Every limit is configuration.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ronghub_sdk import (
    Asset,
    Capability,
    ChannelInfo,
    Checkpoints,
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
from ronghub_sdk.transports import ApiResponse, PlatformApi

from plugins._kit import make_variant
from plugins.douyin.format import check, compose_text

NAME = "douyin"
MB = 2**20
DEFAULTS: dict[str, Any] = {
    "transport": {
        "base_url": "https://open.douyin.com",
        "token": {
            "path": "/oauth/refresh_token/",
            "params": {"client_key": "{client_key}", "refresh_token": "{refresh_token}"},
            "send_as": "form",
            "response_root": "data",
            "place": "header:access-token",
            "expired_codes": ["2190008", "10008"],
        },
    },
    "credentials": {"client_key": "", "open_id": "", "refresh_token": ""},
    "transient_codes": ["2100004", "2190004", "2190015"],  # busy / too frequent [unverified]
    "limits": {
        "text_max": 300,
        "title_hint_max": 30,
        "hashtags_max": 5,
        "single_upload_max_bytes": 128 * MB,
        "chunk_threshold_bytes": 50 * MB,
        "chunk_bytes": 20 * MB,
        "total_max_bytes": 4 * 1024 * MB,
        "duration_max_s": 900,
        "min_width": 720,
        "image_max_bytes": 100 * MB,
        "images_max": 35,
        "video_mimes": ["video/mp4", "video/webm"],
    },
}
_STATUS = {
    1: PlatformStatus(StatusState.LIVE, platform_code="1", final=True),
    2: PlatformStatus(
        StatusState.REJECTED,
        reason_zh="抖音审核结果:不适宜公开",
        reason_en="not suitable for public",
        platform_code="2",
        final=True,
    ),
    4: PlatformStatus(StatusState.UNDER_REVIEW, platform_code="4"),
}


@hookimpl
def describe() -> ChannelInfo:
    """The 抖音 channel."""
    return ChannelInfo(
        name=NAME,
        title_zh="抖音",
        title_en="Douyin",
        transport=TransportKind.PLATFORM_API,
        capabilities=frozenset(
            {
                Capability.VIDEO,
                Capability.IMAGES,
                Capability.POLL_STATUS,
                Capability.METRICS,
                Capability.RETRACT,
                Capability.CORRECT,
            }
        ),
        defaults=DEFAULTS,
        version="0.1.0",
        overridable=("text", "cover_tsp"),
        config_schema={
            "type": "object",
            "required": ["credentials"],
            "properties": {
                "credentials": {
                    "type": "object",
                    "required": ["client_key", "open_id", "refresh_token"],
                },
                "transport": {
                    "type": "object",
                    "properties": {"base_url": {"type": "string", "format": "uri"}},
                },
                "limits": {"type": "object"},
            },
        },
    )


@hookimpl
def render(story: StoryInput, config: Mapping[str, Any], overrides: Mapping[str, Any]) -> Variant:
    """Text = title + #话题 from the tags; the first video, else the images."""
    videos = story.assets_of("video")
    images = [a.id for a in story.assets_of("image")][: config["limits"]["images_max"]]
    fields = {
        "text": compose_text(story.title, list(story.tags), config["limits"]["hashtags_max"]),
        "video_asset_id": videos[0].id if videos else None,
        "image_asset_ids": [] if videos else images,
        "cover_tsp": 0.0,
    }
    return make_variant(NAME, story, fields, overrides)


@hookimpl
def validate(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """Text length, hashtags, media presence, size, format and duration."""
    return check(variant, config)


def _data(response: ApiResponse, config: Mapping[str, Any], action: str) -> dict[str, Any]:
    """The `data` of an answer, or the right DeliveryError for its error_code."""
    data = (response.json or {}).get("data") or {}
    code = str(data.get("error_code", 0))
    if code in ("0", ""):
        return data
    reason = data.get("description") or "unknown"
    if code in config["transient_codes"]:
        raise TransientDeliveryError(
            f"抖音繁忙({action}:{reason}),稍后自动重试", f"{action}: {reason}", platform_code=code
        )
    raise PermanentDeliveryError(
        f"抖音拒绝了{action}:{reason}(错误码 {code})",
        f"douyin refused {action}: {reason}",
        platform_code=code,
    )


async def _upload_video(api: PlatformApi, video: Asset, config: Mapping[str, Any]) -> str:
    content = await api.fetch_asset(video.url)
    limits, q = config["limits"], {"open_id": config["credentials"]["open_id"]}
    if len(content) <= limits["chunk_threshold_bytes"]:
        r = await api.call(
            "POST", "/video/upload/", params=q, files={"video": ("video.mp4", content, "video/mp4")}
        )
        return str(_data(r, config, "上传视频")["video"]["video_id"])

    async def init() -> str:
        return str(
            _data(await api.call("POST", "/video/part/init/", params=q), config, "分片上传初始化")[
                "upload_id"
            ]
        )

    async def part(upload_id: str, number: int, chunk: bytes) -> None:
        r = await api.call(
            "POST",
            "/video/part/upload/",
            params={**q, "upload_id": upload_id, "part_number": number},
            files={"video": (f"part{number}", chunk, "video/mp4")},
        )
        _data(r, config, f"上传第 {number} 片")

    async def complete(upload_id: str) -> str:
        r = await api.call("POST", "/video/part/complete/", params={**q, "upload_id": upload_id})
        return str(_data(r, config, "分片上传完成")["video"]["video_id"])

    return await api.upload_chunked(
        content, chunk_size=limits["chunk_bytes"], init=init, part=part, complete=complete
    )


@hookimpl
async def deliver(
    variant: Variant, config: Mapping[str, Any], transport: PlatformApi, checkpoints: Checkpoints
) -> DeliveryResult:
    """Upload the media, create the item; the first status is under review.

    抖音 takes no idempotency key: the uploaded media and the created item are
    checkpoints, so a retry after a failed create neither uploads a video of up to
    4 GB again nor creates a second item once one exists."""
    q = {"open_id": config["credentials"]["open_id"]}
    video = next((a for a in variant.assets if a.id == variant.get("video_asset_id")), None)

    async def create() -> str:
        if video is not None:
            video_id = await checkpoints.once(
                "video_id", lambda: _upload_video(transport, video, config)
            )
            body = {
                "video_id": video_id,
                "text": variant.get("text"),
                "cover_tsp": variant.get("cover_tsp") or 0.0,
            }
            data = _data(
                await transport.call("POST", "/video/create/", params=q, json=body),
                config,
                "发布视频",
            )
        else:
            image_ids = []
            for n, asset in enumerate(
                a for a in variant.assets if a.id in (variant.get("image_asset_ids") or [])
            ):

                async def upload(asset: Asset = asset) -> str:
                    r = await transport.call(
                        "POST",
                        "/image/upload/",
                        params=q,
                        files={
                            "image": (asset.id, await transport.fetch_asset(asset.url), asset.mime)
                        },
                    )
                    return str(_data(r, config, "上传图片")["image"]["image_id"])

                image_ids.append(await checkpoints.once(f"image-{n}", upload))
            body = {"image_id": image_ids[0], "image_list": image_ids, "text": variant.get("text")}
            data = _data(
                await transport.call("POST", "/image/create/", params=q, json=body),
                config,
                "发布图文",
            )
        return str(data["item_id"])

    item_id = await checkpoints.once("item_id", create)
    return DeliveryResult(item_id, _STATUS[4], details={"open_id": q["open_id"]})


async def _item(
    delivery: DeliveryResult, config: Mapping[str, Any], transport: PlatformApi
) -> dict[str, Any] | None:
    q = {"open_id": config["credentials"]["open_id"]}
    data = _data(
        await transport.call(
            "POST", "/video/data/", params=q, json={"item_ids": [delivery.external_id]}
        ),
        config,
        "查询作品",
    )
    return next(
        (i for i in data.get("list") or [] if str(i.get("item_id")) == delivery.external_id), None
    )


@hookimpl
async def poll_status(
    delivery: DeliveryResult, config: Mapping[str, Any], transport: PlatformApi
) -> PlatformStatus:
    """`/video/data/` video_status: 1 live, 2 not suitable for public, 4 under review; gone = removed."""
    item = await _item(delivery, config, transport)
    if item is None:
        return PlatformStatus(
            StatusState.REMOVED,
            reason_zh="作品已不存在",
            reason_en="item no longer exists",
            final=True,
        )
    status = _STATUS.get(int(item.get("video_status", 4)), _STATUS[4])
    if item.get("share_url"):
        return PlatformStatus(
            status.state,
            status.reason_zh,
            status.reason_en,
            status.platform_code,
            status.final,
            {"share_url": item["share_url"]},
        )
    return status


@hookimpl
async def fetch_metrics(
    delivery: DeliveryResult, config: Mapping[str, Any], transport: PlatformApi
) -> Metrics:
    """Plays, likes, comments and shares from `/video/data/` statistics."""
    stats = ((await _item(delivery, config, transport)) or {}).get("statistics") or {}
    return Metrics(
        views=stats.get("play_count"),
        likes=stats.get("digg_count"),
        comments=stats.get("comment_count"),
        shares=stats.get("share_count"),
        fetched_at_ms=int(time.time() * 1000),
        details=dict(stats),
    )


@hookimpl
async def retract(
    delivery: DeliveryResult, config: Mapping[str, Any], transport: PlatformApi, reason: str
) -> DeliveryResult:
    """`/video/delete/`; an item that is already gone counts as removed."""
    q = {"open_id": config["credentials"]["open_id"]}
    r = await transport.call(
        "POST", "/video/delete/", params=q, json={"item_id": delivery.external_id}
    )
    code = str(((r.json or {}).get("data") or {}).get("error_code", 0))
    if code not in config.get("gone_codes", ["0", "2190016"]):
        _data(r, config, "删除作品")
    return DeliveryResult(
        delivery.external_id,
        PlatformStatus(StatusState.REMOVED, reason_zh=reason, final=True),
        details=delivery.details,
    )


@hookimpl
async def correct(
    variant: Variant,
    delivery: DeliveryResult,
    config: Mapping[str, Any],
    transport: PlatformApi,
    checkpoints: Checkpoints,
) -> DeliveryResult:
    """抖音 cannot edit a post: delete it and publish the corrected variant."""
    if not checkpoints.get("removed"):
        await retract(delivery, config, transport, "更正后重新发布")
        await checkpoints.save("removed", True)
    return await deliver(variant, config, transport, checkpoints)
