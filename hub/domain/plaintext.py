"""Plain-text fields: one rule for every text that is not the body's HTML.

Titles, bylines, tags, 来源/原作者/原标题, metadata values, per-channel overrides, media
captions and alt texts, names and notes are plain text: every output escapes them (XML
feeds, HTML pages) or hands them on as text (JSON Feed, ninjs, platform APIs). Some
consumers do not escape, so text that is script markup (`<img src=x onerror=…>`,
`<script>`, a `javascript:` link) is refused when written, with the field named, as
titles always were; so are control characters, which no reader sees and which make an
XML feed unreadable for every partner. Other `<` stay: `a < b`, `<三体>` are text.

Values stored before this rule are cleaned when read (`readable`): markup that carries
script is reduced to its text, control characters are dropped. Values that pass the rule
are returned unchanged, so reading never alters ordinary content.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any, overload

import nh3

from hub.domain.html import find_active_content
from hub.errors import invalid

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def check_plain_text(field: str, value: str, *, controls: bool = True) -> str:
    """`value` unchanged, or INVALID_INPUT naming `field` when it holds script markup or
    (unless `controls` is False: the subsystem has its own rule) control characters."""
    if "<" in value and find_active_content(value):
        raise invalid(
            field,
            "不能包含脚本代码(如 <script>、onerror=),请只填写文字",
            "must not contain script markup",
        )
    if controls and _CONTROL.search(value):
        raise invalid(
            field, "含有不可见的控制字符,请删除后重试", "must not contain control characters"
        )
    return value


def check_plain_values(field: str, value: Any) -> None:
    """The rule on every string of a JSON value (metadata, channel overrides), each named
    by its path. Keys are text too."""
    if isinstance(value, str):
        check_plain_text(field, value)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            check_plain_text(field, str(k))
            check_plain_values(f"{field}.{k}", v)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            check_plain_values(f"{field}.{i}", v)


@overload
def readable(value: str) -> str: ...
@overload
def readable(value: None) -> None: ...
@overload
def readable(value: str | None) -> str | None: ...
def readable(value: str | None) -> str | None:
    """A stored plain text as it may be shown: unchanged when it passes the rule; else its
    text without the markup (and without control characters)."""
    if not value:
        return value
    if "<" in value and find_active_content(value):
        value = html.unescape(nh3.clean(value, tags=set(), clean_content_tags={"script", "style"}))
        if "<" in value and find_active_content(value):  # markup hidden in entities
            value = value.replace("<", "‹")
    return _CONTROL.sub("", value)


def readable_values(value: Any) -> Any:
    """`readable` on every string of a JSON value."""
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, Mapping):
        return {k: readable_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [readable_values(v) for v in value]
    return value
