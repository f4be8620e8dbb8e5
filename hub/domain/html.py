"""Story body HTML: refuse active content with a clear reason, then sanitise with nh3.

Editors get an error naming what was found (a `<script>`, an `onclick=`, a
`javascript:` link) instead of a silently changed body; what passes is still cleaned
by nh3 (Ammonia) before it is stored, and again per channel when rendered.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "span",
    "pre",
    "code",
    "video",
    "audio",
    "source",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "data-asset-id"},
    "video": {"src", "poster", "controls", "data-asset-id"},
    "audio": {"src", "controls", "data-asset-id"},
    "source": {"src", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "span": {"lang"},
    "p": {"lang"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "asset"}
ACTIVE_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "frame",
    "frameset",
    "applet",
    "base",
    "meta",
    "link",
    "style",
    "form",
}
_URL_ATTRS = {"href", "src", "poster", "action", "formaction", "xlink:href", "data"}
_BAD_SCHEME = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


class _ActiveContentFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}=")
            elif name in _URL_ATTRS and value and _BAD_SCHEME.match(value):
                self.found.append(f"{name}={value.split(':', 1)[0].strip().lower()}:")

    handle_startendtag = handle_starttag


class _TextAttributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._seen: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        n = self._seen.get(tag, 0)
        self._seen[tag] = n + 1
        for name, value in attrs:
            if name in TEXT_ATTRS and value:
                self.found.append((f"{tag}[{n}].{name}", value))

    handle_startendtag = handle_starttag


TEXT_ATTRS = ("alt", "title")  # attributes readers see (alt when an image fails, title on hover)


def text_attributes(body: str) -> list[tuple[str, str]]:
    """("img[0].alt", text) for every alt/title attribute of `body`, in order (decoded)."""
    if "<" not in body:
        return []
    finder = _TextAttributes()
    finder.feed(body)
    finder.close()
    return finder.found


def find_active_content(body: str) -> list[str]:
    """Script tags, event handlers and script URLs in `body`, in order, without repeats."""
    finder = _ActiveContentFinder()
    finder.feed(body)
    finder.close()
    return list(dict.fromkeys(finder.found))


def sanitize(body: str) -> str:
    """The stored form of a body: nh3 with the newsroom's allow-list."""
    return nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def text_to_html(text: str) -> str:
    """Plain text (pasted copy) as body HTML that keeps every character and line break."""
    return html.escape(text, quote=False)


_BLOCK_END = re.compile(r"</(p|h2|h3|h4|li|blockquote|tr|figure|pre)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(body: str) -> str:
    """The text of a stored body: tags removed, entities decoded, blocks on their own lines."""
    if "<" not in body:
        return html.unescape(body)
    return html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", body)))


_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ASSET_ID = re.compile(r'\sdata-asset-id="([^"]*)"', re.IGNORECASE)
_SRC = re.compile(r'\ssrc="[^"]*"', re.IGNORECASE)


def with_asset_urls(body: str, urls: dict[str, str]) -> str:
    """The body with each `<img data-asset-id=…>` of a known asset pointing at `urls[id]`.

    An editor inserts a library picture with the URL it was shown (signed, expiring); the
    asset id is what lasts, so a channel is given the asset's URL as signed for this render
    (the same one it finds among the story's assets). Other images stay as written."""
    if "data-asset-id" not in body or not urls:
        return body

    def point(match: re.Match[str]) -> str:
        tag = match.group(0)
        found = _ASSET_ID.search(tag)
        url = urls.get(html.unescape(found.group(1))) if found else None
        if url is None:
            return tag
        src = f' src="{html.escape(url, quote=True)}"'
        return (
            _SRC.sub(lambda _: src, tag, count=1) if _SRC.search(tag) else tag[:4] + src + tag[4:]
        )

    return _IMG_TAG.sub(point, body)
