"""Stories (稿件): their kinds, states, editable content and the rules on it."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.domain import html as body_html
from hub.domain.plaintext import check_plain_text, check_plain_values
from hub.errors import Codes, HubError, invalid


class StoryType(StrEnum):
    ARTICLE = "article"
    GALLERY = "gallery"  # 图集
    VIDEO = "video"
    AUDIO = "audio"
    LIVE = "live"
    SPECIAL = "special"  # 专题


class StoryStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"  # 签发: bound to one revision
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    RETRACTED = "retracted"  # 撤稿


class SourceInfo(BaseModel):
    """来源 / 原作者 / 原标题 / 责任编辑 and the 转载 (reprint) flag."""

    model_config = ConfigDict(frozen=True)

    source_name: str | None = None  # 来源
    original_author: str | None = None  # 原作者
    original_title: str | None = None  # 原标题
    responsible_editor: str | None = None  # 责任编辑
    reprint: bool = False  # 转载


class Location(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class StoryContent(BaseModel):
    """Everything a revision freezes: the editable part of a story."""

    model_config = ConfigDict(frozen=True)

    type: StoryType = StoryType.ARTICLE
    title: str
    subtitle: str | None = None
    summary: str | None = None
    body: str = ""  # sanitised HTML
    column_id: str | None = None
    tags: tuple[str, ...] = ()
    cover_asset_id: str | None = None
    asset_ids: tuple[str, ...] = ()
    byline: str | None = None
    source: SourceInfo = SourceInfo()
    language: str = "zh-CN"
    location: Location | None = None
    # the publication plan is reviewed content too: which channels, and the fields an
    # editor overrode per channel (a shorter 抖音 text, a WeChat digest)
    channels: tuple[str, ...] = ()
    channel_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # channel-neutral facts some channels need: 发文机关/发文字号/主题分类 for the portal,
    # event type/severity/area codes for 应急广播 (plain JSON values)
    metadata: dict[str, Any] = Field(default_factory=dict)

    def content_hash(self) -> str:
        """sha256 over a canonical JSON form: the same content always hashes the same."""
        canonical = json.dumps(
            self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def body_text(self) -> str:
        return body_html.html_to_text(self.body)


TITLE_MAX = 200
SUBTITLE_MAX = 200
SUMMARY_MAX = 1_000
TAG_MAX = 32
BYLINE_MAX = 200
SOURCE_MAX = 200  # 来源, 原作者, 原标题, 责任编辑, place names
SOURCE_FIELDS = ("source_name", "original_author", "original_title", "responsible_editor")
TAGS_MAX = 30


def clean_body(body: str, max_chars: int) -> str:
    """Refuse oversized bodies and active content; return the sanitised body."""
    if len(body) > max_chars:
        raise HubError(Codes.BODY_TOO_LONG, length=len(body), limit=max_chars)
    found = body_html.find_active_content(body)
    if found:
        raise HubError(Codes.UNSAFE_HTML, found=", ".join(found[:5]))
    return body_html.sanitize(body)


def _check_text(field: str, value: str | None, limit: int, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise invalid(field, "不能为空", "is required")
        return None
    if required and not value.strip():
        raise invalid(field, "不能为空", "must not be blank")
    if len(value) > limit:
        raise invalid(
            field,
            f"最多 {limit} 个字符,现有 {len(value)} 个",
            f"at most {limit} characters, got {len(value)}",
        )
    return check_plain_text(field, value)


def _reason(error: Any) -> tuple[str, str]:
    """A Chinese and an English reason for one pydantic error, for the editor."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}", str(error.get("msg"))
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}", str(error.get("msg"))
    if kind == "missing":
        return "不能为空", "is required"
    if kind == "enum":
        return f"只能是 {ctx.get('expected')} 之一", str(error.get("msg"))
    return f"取值不正确({error.get('msg')})", str(error.get("msg"))


def build_content(
    fields: dict[str, Any], max_body_chars: int, *, stored_body: bool = False
) -> StoryContent:
    """Validate raw editable fields (already merged with the current content) into content.

    `fields` may carry `body` (HTML) or `body_text` (plain text, kept exactly).
    `stored_body`: `body` is the story's stored body, unchanged by this edit. It was
    checked when it was saved and is kept byte for byte: sanitising it again would
    rewrite it (nh3 turns CR LF into LF and drops U+FEFF), so an edit of the title alone
    would change the body, its hash and its diff.
    Every refusal is a HubError (INVALID_INPUT, BODY_TOO_LONG, UNSAFE_HTML).
    """
    data = dict(fields)
    body_text = data.pop("body_text", None)
    if stored_body and body_text is None:
        data["body"] = data.get("body") or ""
    elif body_text is not None:
        if data.get("body") not in (None, ""):
            raise invalid(
                "body", "正文(HTML)与纯文本正文只能提供一种", "give body or bodyText, not both"
            )
        if len(body_text) > max_body_chars:
            raise HubError(Codes.BODY_TOO_LONG, length=len(body_text), limit=max_body_chars)
        data["body"] = body_html.text_to_html(body_text)
    else:
        data["body"] = clean_body(data.get("body") or "", max_body_chars)
    data["title"] = _check_text("title", data.get("title"), TITLE_MAX, required=True)
    data["subtitle"] = _check_text("subtitle", data.get("subtitle"), SUBTITLE_MAX)
    data["summary"] = _check_text("summary", data.get("summary"), SUMMARY_MAX)
    tags = tuple(dict.fromkeys(t.strip() for t in data.get("tags") or () if t and t.strip()))
    if len(tags) > TAGS_MAX:
        raise invalid("tags", f"最多 {TAGS_MAX} 个标签", f"at most {TAGS_MAX} tags")
    for tag in tags:
        _check_text("tags", tag, TAG_MAX)
    data["tags"] = tags
    data["asset_ids"] = tuple(dict.fromkeys(data.get("asset_ids") or ()))
    data["channels"] = tuple(
        dict.fromkeys(c.strip() for c in data.get("channels") or () if c and c.strip())
    )
    overrides = data.get("channel_overrides") or {}
    if not isinstance(overrides, dict) or not all(isinstance(v, dict) for v in overrides.values()):
        raise invalid(
            "channelOverrides",
            "应为「渠道 → {字段: 值}」的对象",
            "must map channel → {field: value}",
        )
    check_plain_values("channelOverrides", overrides)
    data["channel_overrides"] = overrides
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise invalid("metadata", "应为「名称 → 值」的对象", "must be an object of name → value")
    check_plain_values("metadata", metadata)
    data["metadata"] = metadata
    data["byline"] = _check_text("byline", data.get("byline"), BYLINE_MAX)
    source = data.get("source")
    for attr in SOURCE_FIELDS:
        value = source.get(attr) if isinstance(source, dict) else getattr(source, attr, None)
        if isinstance(value, str):
            _check_text(f"source.{attr}", value, SOURCE_MAX)
    location = data.get("location")
    name = location.get("name") if isinstance(location, dict) else getattr(location, "name", None)
    if isinstance(name, str):
        _check_text("location.name", name, SOURCE_MAX)
    try:
        return StoryContent.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "input"
        reason_zh, reason_en = _reason(first)
        raise invalid(field, reason_zh, reason_en) from exc
