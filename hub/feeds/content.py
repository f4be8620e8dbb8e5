"""The normalized content snapshot a partner item carries, built from a revision.

Media are kept as blob keys (original and cached renditions), not URLs: media URLs are
signed and expire, so feeds and deliveries sign fresh ones when they render
(`media_links`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from hub.domain.plaintext import readable
from hub.domain.story import StoryContent
from hub.store.documents import AssetDoc, ColumnDoc

_RENDITION = re.compile(r"/r/(?P<name>[^/]+)-fp\d+x\d+\.(?P<ext>\w+)$")


class MediaRef(BaseModel):
    asset_id: str
    kind: str = "image"
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    caption: str | None = None
    alt: str | None = None
    credit: str | None = None
    cover: bool = False
    blob_key: str | None = None
    renditions: dict[str, str] = Field(default_factory=dict)  # rendition name -> blob key

    _plain = field_validator("caption", "alt", "credit")(lambda v: readable(v))


class SourceRef(BaseModel):
    source_name: str | None = None  # 来源
    original_author: str | None = None  # 原作者
    original_title: str | None = None  # 原标题
    responsible_editor: str | None = None  # 责任编辑
    reprint: bool = False  # 转载

    _plain = field_validator(
        "source_name", "original_author", "original_title", "responsible_editor"
    )(lambda v: readable(v))


class ItemContent(BaseModel):
    """What partners receive of a story, the same for every format."""

    title: str
    subtitle: str | None = None
    summary: str | None = None
    body_html: str = ""
    byline: str | None = None
    authors: list[str] = Field(default_factory=list)
    column_id: str | None = None
    column_slug: str | None = None
    column_name: str | None = None
    tags: list[str] = Field(default_factory=list)
    type: str = "article"
    language: str = "zh-CN"
    source: SourceRef = SourceRef()
    media: list[MediaRef] = Field(default_factory=list)
    canonical_url: str | None = None
    published_at: int | None = None  # ms
    updated_at: int | None = None  # ms
    revision: int | None = None
    content_hash: str | None = None

    # plain texts: every format (RSS, Atom, JSON Feed, ninjs, webhooks) and every stored
    # snapshot read back pass the plain-text rule's reading (hub/domain/plaintext.py)
    _plain = field_validator("title", "subtitle", "summary", "byline", "column_name")(
        lambda v: readable(v)
    )
    _plain_lists = field_validator("authors", "tags")(lambda v: [readable(x) for x in v])


def authors_of(byline: str | None) -> list[str]:
    """`张三 李四` / `张三、李四` / `A, B` -> names."""
    if not byline:
        return []
    return [p for p in re.split(r"[,，、;；/\s]+", byline.strip()) if p]


async def _column(tenant: str, column_id: str | None) -> ColumnDoc | None:
    if not column_id:
        return None
    return await ColumnDoc.find_one({"tenant": tenant, "_id": column_id})


async def _media(tenant: str, cover: str | None, asset_ids: Sequence[str]) -> list[MediaRef]:
    ids = list(dict.fromkeys([*([cover] if cover else []), *asset_ids]))
    if not ids:
        return []
    found = {
        a.id: a for a in await AssetDoc.find({"tenant": tenant, "_id": {"$in": ids}}).to_list()
    }
    out: list[MediaRef] = []
    for asset_id in ids:
        a = found.get(asset_id)
        if a is None:
            continue
        renditions: dict[str, str] = {}
        for key in a.renditions:
            m = _RENDITION.search(key)
            if m:
                renditions[m["name"]] = key
        out.append(
            MediaRef(
                asset_id=a.id,
                kind=a.kind,
                mime=a.mime,
                width=a.width,
                height=a.height,
                duration_ms=a.duration_ms,
                caption=a.caption or a.title,
                alt=a.alt,
                credit=a.credit or a.copyright,
                cover=asset_id == cover,
                blob_key=a.blob_key,
                renditions=renditions,
            )
        )
    return out


async def snapshot(
    tenant: str,
    content: StoryContent,
    *,
    revision: int | None,
    content_hash: str | None,
    published_at: int | None,
    updated_at: int | None,
    canonical_url: str | None,
) -> ItemContent:
    """The partner snapshot of one revision's content."""
    column = await _column(tenant, content.column_id)
    return ItemContent(
        title=content.title,
        subtitle=content.subtitle,
        summary=content.summary,
        body_html=content.body,
        byline=content.byline,
        authors=authors_of(content.byline),
        column_id=content.column_id,
        column_slug=column.slug if column else None,
        column_name=column.name if column else None,
        tags=list(content.tags),
        type=str(content.type.value),
        language=content.language,
        source=SourceRef(**content.source.model_dump()),
        media=await _media(tenant, content.cover_asset_id, content.asset_ids),
        canonical_url=canonical_url,
        published_at=published_at,
        updated_at=updated_at,
        revision=revision,
        content_hash=content_hash,
    )


def _iso_ms(text: Any) -> int | None:
    if not text:
        return None
    try:
        return int(datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def from_json_feed_item(item: Mapping[str, Any], now: int) -> ItemContent:
    """A snapshot from a channel's own JSON Feed item, when its revision is not known."""
    ext = item.get("_ronghub") or {}
    authors = [
        str(a.get("name"))
        for a in item.get("authors") or []
        if isinstance(a, Mapping) and a.get("name")
    ]
    return ItemContent(
        title=str(item.get("title") or ""),
        summary=item.get("summary"),
        body_html=str(item.get("content_html") or item.get("content_text") or ""),
        byline=" ".join(authors) or None,
        authors=authors,
        tags=[str(t) for t in item.get("tags") or []],
        language=str(item.get("language") or "zh-CN"),
        source=SourceRef(source_name=ext.get("source_name")),
        canonical_url=item.get("url"),
        published_at=_iso_ms(item.get("date_published")) or now,
        updated_at=_iso_ms(item.get("date_modified")) or now,
        revision=ext.get("revision_number"),
        content_hash=ext.get("content_sha256"),
    )


async def media_links(media_url: Any, content: ItemContent) -> list[dict[str, Any]]:
    """Fresh signed URLs for an item's media: `media_url(key, mime)` is
    `MediaService.url`. Each entry: asset facts, `url` of the original and
    `renditions` {name: url} of the renditions made so far."""
    out: list[dict[str, Any]] = []
    for m in content.media:
        if m.blob_key is None:
            continue
        renditions = {name: await media_url(key) for name, key in sorted(m.renditions.items())}
        out.append(
            {
                "asset_id": m.asset_id,
                "kind": m.kind,
                "mime": m.mime,
                "width": m.width,
                "height": m.height,
                "duration_ms": m.duration_ms,
                "caption": m.caption,
                "alt": m.alt,
                "credit": m.credit,
                "cover": m.cover,
                "url": await media_url(m.blob_key, m.mime),
                "renditions": renditions,
            }
        )
    return out
