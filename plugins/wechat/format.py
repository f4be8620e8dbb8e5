"""WeChat official account article (draft/add): fields, defaults and the platform's limits."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ronghub_sdk import Problem, Variant

from plugins._kit import compact, first_chars, plain, problem, required, too_long

IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.IGNORECASE)


def default_digest(content: str, n: int) -> str:
    """WeChat's own default digest: the first `n` characters of the content text."""
    return first_chars(plain(content), n)


def external_images(content: str, hosted: list[str]) -> list[str]:
    """Image URLs in the content that are not on WeChat's image hosts (must be re-hosted), as
    URLs (the attribute's entities decoded: a signed URL's `&` is `&amp;` in the HTML)."""
    srcs = [html.unescape(src) for _, src, _ in IMG_SRC.findall(content)]
    return [src for src in srcs if urlsplit(src).hostname not in hosted]


def check(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """draft/add limits: title ≤32, author ≤16, digest ≤128, content <20000 chars and <1 MB,
    content_source_url ≤1 KB, a cover (thumb) and re-hostable jpg/png images under 1 MB."""
    limits = config["limits"]
    content: str = variant.get("content") or ""
    found = compact(
        [
            required("WECHAT_TITLE_REQUIRED", "title", "标题", variant.get("title")),
            too_long(
                "WECHAT_TITLE_TOO_LONG",
                "title",
                "公众号标题",
                variant.get("title"),
                limits["title_max"],
            ),
            too_long(
                "WECHAT_AUTHOR_TOO_LONG",
                "author",
                "作者",
                variant.get("author"),
                limits["author_max"],
            ),
            too_long(
                "WECHAT_DIGEST_TOO_LONG",
                "digest",
                "摘要",
                variant.get("digest"),
                limits["digest_max"],
            ),
            required("WECHAT_CONTENT_REQUIRED", "content", "正文", content.strip()),
        ]
    )
    if (
        len(content) >= limits["content_max_chars"]
        or len(content.encode()) >= limits["content_max_bytes"]
    ):
        found.append(
            problem(
                "WECHAT_CONTENT_TOO_LONG",
                "content",
                f"公众号正文须少于 {limits['content_max_chars']} 字符且小于 1 MB,现有 {len(content)} 字符,请拆分或删减。",
                f"content must be under {limits['content_max_chars']} characters and 1 MB.",
            )
        )
    if len((variant.get("content_source_url") or "").encode()) > limits["source_url_max_bytes"]:
        found.append(
            problem(
                "WECHAT_SOURCE_URL_TOO_LONG",
                "content_source_url",
                "原文链接过长(上限 1 KB),请使用短链接。",
                "content_source_url is over 1 KB.",
            )
        )
    if "<script" in content.lower():
        found.append(
            problem(
                "WECHAT_SCRIPT",
                "content",
                "正文含有脚本,公众号会删除,请去掉。",
                "scripts are stripped.",
            )
        )
    thumb = next((a for a in variant.assets if a.id == variant.get("thumb_asset_id")), None)
    if not variant.get("thumb_media_id") and thumb is None:
        found.append(
            problem(
                "WECHAT_THUMB_REQUIRED",
                "thumb_asset_id",
                "公众号图文必须有封面图:请为稿件设置封面图片。",
                "a cover image (thumb_media_id) is required.",
            )
        )
    by_url = {a.url: a for a in variant.assets}
    for src in external_images(content, limits["hosted_image_hosts"]) + (
        [thumb.url] if thumb else []
    ):
        asset = by_url.get(src)
        if asset is None:
            found.append(
                problem(
                    "WECHAT_IMAGE_UNKNOWN",
                    "content",
                    f"正文图片 {src} 不是本稿件的素材,无法转存到公众号,请改用素材库图片。",
                    f"image {src} is not one of the story's assets.",
                )
            )
        elif (
            asset.mime not in ("image/jpeg", "image/png") or asset.size >= limits["image_max_bytes"]
        ):
            found.append(
                problem(
                    "WECHAT_IMAGE_FORMAT",
                    "content",
                    f"图片 {asset.id} 须为 JPG/PNG 且小于 1 MB,请压缩或转换格式。",
                    f"image {asset.id} must be jpg/png under 1 MB.",
                )
            )
    return found
