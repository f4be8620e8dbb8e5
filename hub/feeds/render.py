"""Feed bodies: one page of partner items as JSON Feed 1.1, IPTC ninjs 2.1, RSS 2.0 or
Atom 1.0 (both with Media RSS). Pure: the page comes in with its media URLs resolved.

Withdrawals (pubstatus `canceled`):
- JSON Feed: the item keeps its id and title, has no body (`content_text: ""`) and
  carries `"_ronghub": {"pubstatus": "canceled", "seq": N, …}`.
- ninjs: `"pubstatus": "canceled"` (no headlines/bodies beyond the title).
- RSS: the item keeps its guid; `<ronghub:pubstatus>canceled</ronghub:pubstatus>`.
- Atom: an RFC 6721 `<at:deleted-entry ref="…" when="…">` tombstone.
Every item carries its place in the global sequence (`seq`) in the `ronghub`
extension; `cursor` is where the next read starts (`after=cursor`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from hub.feeds.log import FeedItemDoc

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
NINJS_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json"
RONGHUB_NS = "https://ronghub.cn/ns/feed/1"
MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_NS = "http://www.w3.org/2005/Atom"
TOMBSTONE_NS = "http://purl.org/atompub/tombstones/1.0"
WITHDRAWN_TEXT = "此稿件已撤回 / this item was withdrawn"

CONTENT_TYPES = {
    "json_feed": "application/feed+json; charset=utf-8",
    "ninjs": "application/json; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
NINJS_TYPES = {
    "article": "text",
    "gallery": "composite",
    "video": "video",
    "audio": "audio",
    "live": "text",
    "special": "composite",
}


@dataclass
class PageItem:
    entry: FeedItemDoc
    media: list[dict[str, Any]] = field(default_factory=list)  # content.media_links(...)

    @property
    def uri(self) -> str:
        e = self.entry
        return f"urn:ronghub:{e.tenant}:{e.feed}:{e.item_id}"


@dataclass
class Page:
    subscription_id: str
    title: str
    self_url: str
    home_url: str
    after: int
    cursor: int  # read on from here: `after=cursor`
    more: bool  # more items are there now (next_url)
    next_url: str
    items: list[PageItem]
    language: str = "zh-CN"


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return (
        datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def _http_date(ms: int | None) -> str:
    from email.utils import format_datetime

    return format_datetime(datetime.fromtimestamp((ms or 0) / 1000, UTC), usegmt=True)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def extension(item: PageItem) -> dict[str, Any]:
    """The `_ronghub` facts of an item (the same in every format)."""
    e, c = item.entry, item.entry.content
    return _drop_none(
        {
            "seq": e.seq,
            "pubstatus": e.pubstatus.value,
            "tenant": e.tenant,
            "feed": e.feed,
            "story_id": e.story_id,
            "item_id": e.item_id,
            "revision": c.revision,
            "content_hash": c.content_hash,
            "type": c.type,
            "column": _drop_none({"id": c.column_id, "slug": c.column_slug, "name": c.column_name})
            or None,
            "source": _drop_none(c.source.model_dump()) or None,
            "byline": c.byline,
            "embargo_until": iso(e.embargo_until),
            "reason": e.reason if e.withdrawn else None,
            "media": item.media if not e.withdrawn else None,
        }
    )


def _cover(item: PageItem) -> dict[str, Any] | None:
    images = [m for m in item.media if m["kind"] == "image"]
    return next((m for m in images if m["cover"]), images[0] if images else None)


# -- JSON Feed 1.1 ---------------------------------------------------------------------------


def json_feed_item(item: PageItem) -> dict[str, Any]:
    e, c = item.entry, item.entry.content
    out: dict[str, Any] = {"id": item.uri, "url": c.canonical_url, "title": c.title}
    if e.withdrawn:
        out.update({"content_text": "", "date_modified": iso(e.appended_at)})
    else:
        cover = _cover(item)
        out.update(
            {
                "content_html": c.body_html,
                "summary": c.summary,
                "image": cover["url"] if cover else None,
                "date_published": iso(c.published_at),
                "date_modified": iso(c.updated_at or e.appended_at),
                "authors": [{"name": a} for a in c.authors],
                "tags": c.tags,
                "language": c.language,
                "attachments": [
                    _drop_none(
                        {
                            "url": m["url"],
                            "mime_type": m["mime"] or "application/octet-stream",
                            "title": m["caption"],
                            "duration_in_seconds": m["duration_ms"] / 1000
                            if m["duration_ms"]
                            else None,
                        }
                    )
                    for m in item.media
                    if m["kind"] != "image"
                ],
            }
        )
    out["_ronghub"] = extension(item)
    return _drop_none(out)


def json_feed(page: Page) -> bytes:
    doc: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": page.title,
        "home_page_url": page.home_url,
        "feed_url": page.self_url,
        "description": "融汇 Ronghub partner feed (signed with RFC 9421 HTTP Message Signatures)",
        "language": page.language,
        "next_url": page.next_url if page.more else None,
        "items": [json_feed_item(i) for i in page.items],
        "_ronghub": {
            "subscription_id": page.subscription_id,
            "after": page.after,
            "cursor": page.cursor,
            "more": page.more,
        },
    }
    return _dumps(_drop_none(doc) | {"items": doc["items"]})


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


# -- ninjs 2.1 -------------------------------------------------------------------------------


def ninjs_item(item: PageItem) -> dict[str, Any]:
    e, c = item.entry, item.entry.content
    out: dict[str, Any] = {
        "uri": item.uri,
        "standard": {"name": "ninjs", "version": "2.1", "schema": NINJS_SCHEMA},
        "type": NINJS_TYPES.get(c.type, "text"),
        "representationtype": "partial" if e.withdrawn else "full",
        "version": str(e.seq),
        "pubstatus": e.pubstatus.value,
        "language": c.language,
        "title": c.title,
        "firstcreated": iso(c.published_at),
        "versioncreated": iso(c.updated_at or e.appended_at),
        "embargoed": iso(e.embargo_until),
        "headlines": [{"value": c.title, "role": "main"}],
        "altids": [
            {"role": "ronghub-seq", "value": str(e.seq)},
            {"role": "ronghub-story", "value": e.story_id},
        ],
    }
    if e.withdrawn:
        out["ednote"] = f"{WITHDRAWN_TEXT}: {e.reason or ''}".strip(": ")
        return _drop_none(out)
    if c.subtitle:
        out["headlines"].append({"value": c.subtitle, "role": "sub"})
    cover = _cover(item)
    out.update(
        {
            "by": c.byline,
            "descriptions": [{"value": c.summary, "role": "summary"}] if c.summary else None,
            "bodies": [{"value": c.body_html, "contenttype": "text/html", "role": "main"}],
            "subjects": [{"name": t, "rel": "tag"} for t in c.tags]
            + (
                [
                    {
                        "name": c.column_name or c.column_slug or c.column_id or "",
                        "rel": "column",
                        "literal": c.column_slug or c.column_id or "",
                    }
                ]
                if c.column_id
                else []
            ),
            "people": [{"name": a, "rel": "author"} for a in c.authors],
            "infosources": [_drop_none({"name": c.source.source_name, "role": "source"})]
            if c.source.source_name
            else None,
            "renditions": (
                [
                    _drop_none(
                        {
                            "name": "cover",
                            "href": cover["url"],
                            "contenttype": cover["mime"],
                            "width": cover["width"],
                            "height": cover["height"],
                        }
                    )
                ]
                if cover
                else None
            ),
            "associations": [_association(m, n) for n, m in enumerate(item.media, start=1)] or None,
            "altids": [
                *out["altids"],
                *([{"role": "canonical-url", "value": c.canonical_url}] if c.canonical_url else []),
            ],
        }
    )
    return _drop_none(out)


def _association(m: dict[str, Any], n: int) -> dict[str, Any]:
    kind = {"image": "picture", "video": "video", "audio": "audio"}.get(m["kind"], "picture")
    renditions = [
        _drop_none(
            {
                "name": "original",
                "href": m["url"],
                "contenttype": m["mime"],
                "width": m["width"],
                "height": m["height"],
                "duration": m["duration_ms"] / 1000 if m["duration_ms"] else None,
            }
        )
    ]
    renditions += [{"name": name, "href": url} for name, url in m["renditions"].items()]
    return _drop_none(
        {
            "name": f"media{n}",
            "uri": f"urn:ronghub:asset:{m['asset_id']}",
            "type": kind,
            "title": m["caption"],
            "copyrightholder": m["credit"],
            "renditions": renditions,
        }
    )


def ninjs(page: Page) -> bytes:
    doc = {
        "items": [ninjs_item(i) for i in page.items],
        "next_url": page.next_url if page.more else None,
        "feed_url": page.self_url,
        "_ronghub": {
            "subscription_id": page.subscription_id,
            "after": page.after,
            "cursor": page.cursor,
            "more": page.more,
        },
    }
    return _dumps(_drop_none(doc) | {"items": doc["items"]})


# -- RSS 2.0 and Atom 1.0 with Media RSS -----------------------------------------------------


# characters XML 1.0 forbids; ElementTree writes them as they are, and one of them makes
# the whole document unreadable to every partner's parser
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k.rstrip("_"): _NOT_XML.sub("", v) for k, v in attrs.items()})
    if text is not None:
        el.text = _NOT_XML.sub("", text)
    return el


def _media(parent: ET.Element, item: PageItem) -> None:
    for m in item.media:
        medium = {"image": "image", "video": "video", "audio": "audio"}.get(m["kind"], "document")
        attrs = {"url": m["url"], "medium": medium, "type": m["mime"] or "application/octet-stream"}
        for key in ("width", "height"):
            if m[key]:
                attrs[key] = str(m[key])
        if m["duration_ms"]:
            attrs["duration"] = str(round(m["duration_ms"] / 1000))
        if m["cover"]:
            attrs["isDefault"] = "true"
        content = _sub(parent, f"{{{MEDIA_NS}}}content", **attrs)
        if m["caption"]:
            _sub(content, f"{{{MEDIA_NS}}}description", m["caption"])
        if m["credit"]:
            _sub(content, f"{{{MEDIA_NS}}}credit", m["credit"])
        for name, url in m["renditions"].items():
            _sub(
                content,
                f"{{{MEDIA_NS}}}thumbnail" if name == "thumb" else f"{{{RONGHUB_NS}}}rendition",
                url=url,
                **({} if name == "thumb" else {"name": name}),
            )


def _extension_xml(parent: ET.Element, item: PageItem) -> None:
    ext = extension(item)
    for key in (
        "seq",
        "pubstatus",
        "tenant",
        "feed",
        "story_id",
        "revision",
        "content_hash",
        "type",
        "embargo_until",
        "reason",
    ):
        if key in ext:
            _sub(parent, f"{{{RONGHUB_NS}}}{key}", str(ext[key]))


_PREFIXES = {
    "media": MEDIA_NS,
    "ronghub": RONGHUB_NS,
    "atom": ATOM_NS,
    "at": TOMBSTONE_NS,
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
for _prefix, _uri in _PREFIXES.items():
    ET.register_namespace(_prefix, _uri)


def _xml(root: ET.Element) -> bytes:
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def rss(page: Page) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", page.title)
    _sub(channel, "link", page.home_url)
    _sub(channel, "description", "融汇 Ronghub partner feed")
    _sub(channel, "language", page.language)
    _sub(channel, f"{{{ATOM_NS}}}link", href=page.self_url, rel="self", type="application/rss+xml")
    if page.more:
        _sub(
            channel,
            f"{{{ATOM_NS}}}link",
            href=page.next_url,
            rel="next",
            type="application/rss+xml",
        )
    _sub(channel, f"{{{RONGHUB_NS}}}cursor", str(page.cursor))
    for item in page.items:
        e, c = item.entry, item.entry.content
        el = _sub(channel, "item")
        _sub(el, "title", c.title)
        if c.canonical_url:
            _sub(el, "link", c.canonical_url)
        _sub(el, "guid", item.uri, isPermaLink="false")
        if e.withdrawn:
            _sub(el, "description", WITHDRAWN_TEXT)
            _sub(el, "pubDate", _http_date(e.appended_at))
        else:
            _sub(el, "description", c.summary or c.title)
            _sub(el, "{http://purl.org/rss/1.0/modules/content/}encoded", c.body_html)
            _sub(el, "pubDate", _http_date(c.published_at))
            if c.byline:
                _sub(el, "{http://purl.org/dc/elements/1.1/}creator", c.byline)
            for tag in c.tags:
                _sub(el, "category", tag)
            if c.column_name:
                _sub(el, "category", c.column_name, domain="column")
            _media(el, item)
        _extension_xml(el, item)
    return _xml(root)


def atom(page: Page) -> bytes:
    a = ""  # Atom elements are written unqualified under xmlns (the default namespace)
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _sub(root, f"{a}id", f"urn:ronghub:subscription:{page.subscription_id}")
    _sub(root, f"{a}title", page.title)
    newest = max((i.entry.appended_at for i in page.items), default=None)
    _sub(root, f"{a}updated", iso(newest) or "1970-01-01T00:00:00Z")
    _sub(root, f"{a}link", href=page.self_url, rel="self", type="application/atom+xml")
    _sub(root, f"{a}link", href=page.home_url, rel="alternate")
    if page.more:
        _sub(root, f"{a}link", href=page.next_url, rel="next", type="application/atom+xml")
    author = _sub(root, f"{a}author")
    _sub(author, f"{a}name", "融汇 Ronghub")
    _sub(root, f"{{{RONGHUB_NS}}}cursor", str(page.cursor))
    for item in page.items:
        e, c = item.entry, item.entry.content
        if e.withdrawn:
            gone = _sub(
                root,
                f"{{{TOMBSTONE_NS}}}deleted-entry",
                ref=item.uri,
                when=iso(e.appended_at) or "",
            )
            if e.reason:
                _sub(gone, f"{{{TOMBSTONE_NS}}}comment", e.reason)
            _extension_xml(gone, item)
            continue
        el = _sub(root, f"{a}entry")
        _sub(el, f"{a}id", item.uri)
        _sub(el, f"{a}title", c.title)
        _sub(el, f"{a}updated", iso(c.updated_at or e.appended_at) or "")
        _sub(el, f"{a}published", iso(c.published_at) or "")
        if c.canonical_url:
            _sub(el, f"{a}link", href=c.canonical_url, rel="alternate", type="text/html")
        for name in c.authors or ["融汇 Ronghub"]:
            _sub(_sub(el, f"{a}author"), f"{a}name", name)
        for tag in c.tags:
            _sub(el, f"{a}category", term=tag)
        if c.summary:
            _sub(el, f"{a}summary", c.summary)
        _sub(el, f"{a}content", c.body_html, type="html")
        _media(el, item)
        _extension_xml(el, item)
    return _xml(root)


RENDERERS = {"json_feed": json_feed, "ninjs": ninjs, "rss": rss, "atom": atom}
