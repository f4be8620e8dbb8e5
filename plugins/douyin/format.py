"""抖音 variant: text with inline #话题, the video (or images) to upload, and its rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ronghub_sdk import Problem, Variant

from plugins._kit import compact, problem, too_long

_TAG_CHARS = re.compile(r"[\s#@]+")


def hashtag(tag: str) -> str:
    """`#话题` for a story tag (spaces, # and @ would break the topic)."""
    return "#" + _TAG_CHARS.sub("", tag)


def compose_text(title: str, tags: list[str], max_tags: int) -> str:
    """The post text: the title, then up to `max_tags` hashtags inline."""
    tags = [t for t in (hashtag(t) for t in tags) if len(t) > 1][:max_tags]
    return " ".join([title, *tags]).strip()


def hashtags_in(text: str) -> list[str]:
    """The #话题 in a text, in order."""
    return re.findall(r"#[^\s#@]+", text)


def check(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """Every rule of a 抖音 post the hub can check before uploading."""
    limits = config["limits"]
    text: str = variant.get("text") or ""
    found = compact(
        [too_long("DOUYIN_TEXT_TOO_LONG", "text", "抖音文案", text, limits["text_max"])]
    )
    if not text.strip():
        found.append(
            problem("DOUYIN_TEXT_REQUIRED", "text", "抖音文案不能为空。", "text is required.")
        )
    if len(text.split("#", 1)[0].strip()) > limits["title_hint_max"]:
        found.append(
            problem(
                "DOUYIN_TITLE_LONG",
                "text",
                f"抖音标题部分超过 {limits['title_hint_max']} 字,在信息流中会被截断,建议改短。",
                f"the title part is over {limits['title_hint_max']} characters and will be cut in the feed.",
                warning=True,
            )
        )
    tags = hashtags_in(text)
    if len(tags) > limits["hashtags_max"]:
        found.append(
            problem(
                "DOUYIN_TOO_MANY_HASHTAGS",
                "text",
                f"话题最多 {limits['hashtags_max']} 个,现有 {len(tags)} 个,请删除多余的 #话题。",
                f"at most {limits['hashtags_max']} hashtags, found {len(tags)}.",
            )
        )
    video = next((a for a in variant.assets if a.id == variant.get("video_asset_id")), None)
    images = [a for a in variant.assets if a.id in (variant.get("image_asset_ids") or [])]
    if video is None and not images:
        found.append(
            problem(
                "DOUYIN_MEDIA_REQUIRED",
                "video_asset_id",
                "抖音只发布视频或图文:请为稿件添加一段竖版视频或至少一张图片。",
                "a 抖音 post needs a video or at least one image.",
            )
        )
    if video is not None:
        if video.size > limits["total_max_bytes"]:
            found.append(
                problem(
                    "DOUYIN_VIDEO_TOO_LARGE",
                    "video_asset_id",
                    f"视频 {video.size // 2**20} MB,超过抖音上限 {limits['total_max_bytes'] // 2**30} GB,请压缩后重新上传。",
                    "the video is larger than the platform allows.",
                )
            )
        if video.mime not in limits["video_mimes"]:
            found.append(
                problem(
                    "DOUYIN_VIDEO_FORMAT",
                    "video_asset_id",
                    f"视频格式 {video.mime} 不受支持,请转为 MP4 或 WebM。",
                    f"unsupported video type {video.mime}.",
                )
            )
        if video.duration_s and video.duration_s > limits["duration_max_s"]:
            found.append(
                problem(
                    "DOUYIN_VIDEO_TOO_LONG",
                    "video_asset_id",
                    f"视频时长超过 {limits['duration_max_s'] // 60} 分钟,请剪辑。",
                    "the video is too long.",
                )
            )
        if (
            video.width
            and video.height
            and (video.height < video.width or video.width < limits["min_width"])
        ):
            found.append(
                problem(
                    "DOUYIN_VIDEO_NOT_VERTICAL",
                    "video_asset_id",
                    f"建议使用竖版 {limits['min_width']}p 以上视频,横版或低清视频推荐量会降低。",
                    "vertical 720p or better is recommended.",
                    warning=True,
                )
            )
    for image in images:
        if image.size > limits["image_max_bytes"]:
            found.append(
                problem(
                    "DOUYIN_IMAGE_TOO_LARGE",
                    "image_asset_ids",
                    f"图片 {image.id} 超过 {limits['image_max_bytes'] // 2**20} MB,请压缩。",
                    "image too large.",
                )
            )
    return found
