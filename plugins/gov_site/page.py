"""The accessible portal page of a 政务公开 item: metadata table, notice, title, body."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape, unescape
from typing import Any

from ronghub_sdk import Asset

_IMG = re.compile(r"<img\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')

METADATA_LABELS = (
    ("index_no", "索引号"),
    ("topic", "主题分类"),
    ("issuing_agency", "发文机关"),
    ("written_date", "成文日期"),
    ("title", "标题"),
    ("document_number", "发文字号"),
    ("publish_date", "发布日期"),
    ("keywords", "主题词"),
    ("disclosure", "公开属性"),
    ("validity", "有效性"),
)


def with_alt_text(body: str, assets: Sequence[Asset]) -> str:
    """Give images without alt the alt text recorded on their asset (never invent one)."""
    by_id = {a.id: a for a in assets}
    by_url = {a.url: a for a in assets}

    def fix(match: re.Match[str]) -> str:
        # values as written in the (sanitised) body are escaped already: read them as text
        attrs = {k: unescape(v) for k, v in _ATTR.findall(match.group(1))}
        if attrs.get("alt", "").strip():
            return match.group(0)
        asset = by_id.get(attrs.get("data-asset-id", "")) or by_url.get(attrs.get("src", ""))
        if asset is None or not asset.alt:
            return match.group(0)
        attrs["alt"] = asset.alt
        return "<img " + " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items()) + ">"

    return _IMG.sub(fix, body)


def render_page(fields: Mapping[str, Any], body: str, language: str = "zh-CN") -> str:
    """A complete, accessible HTML page for the portal."""
    rows = []
    for key, label in METADATA_LABELS:
        value = fields.get(key)
        if isinstance(value, list | tuple):
            value = " ".join(value)
        rows.append(f'<tr><th scope="row">{label}</th><td>{escape(str(value or ""))}</td></tr>')
    notice = ""
    if fields.get("validity") not in (None, "有效"):
        notice = f'<p role="note"><strong>本文件{escape(fields["validity"])}。</strong>{escape(fields.get("validity_note") or "")}</p>'
    title = escape(fields["title"])
    return (
        f'<!DOCTYPE html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>'
        f"<body><main><h1>{title}</h1>{notice}"
        f"<table><caption>政府信息公开目录信息</caption><tbody>{''.join(rows)}</tbody></table>"
        f"<article>{body}</article></main></body></html>"
    )
