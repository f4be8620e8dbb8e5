"""A published story's public URL from its center's site pattern (no I/O).

A pattern is an absolute http(s) URL with placeholders, e.g.
`https://news.example.cn/{column}/{yyyy}{mm}{dd}/{id}.html`. Dates are the publication
date in China Standard Time (UTC+8), the date a reader in the center sees.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

from hub.errors import HubError, invalid

PLACEHOLDERS = ("id", "column", "yyyy", "mm", "dd", "tenant")
CST = timezone(timedelta(hours=8), "CST")
NO_COLUMN = "news"  # {column} of a story filed under no column


def check_pattern(pattern: str) -> str:
    """The pattern, stripped, if it is usable; INVALID_INPUT naming what is wrong."""
    text = pattern.strip()
    try:
        parsed = [
            (name, spec, conv)
            for _, name, spec, conv in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError as exc:
        raise invalid("pattern", f"花括号不成对:{exc}", f"unbalanced braces: {exc}") from None
    if any(spec or conv for _, spec, conv in parsed):
        raise invalid(
            "pattern",
            "占位符只能写成 {name} 形式(不带格式或转换)",
            "placeholders are plain {name}: no format or conversion",
        )
    fields = [name for name, _, _ in parsed]
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    if unknown:
        raise invalid(
            "pattern",
            f"未知的占位符 {', '.join(unknown)};可用:{', '.join(PLACEHOLDERS)}",
            f"unknown placeholders {', '.join(unknown)}; use {', '.join(PLACEHOLDERS)}",
        )
    if "id" not in fields:
        raise invalid(
            "pattern", "链接规则必须包含 {id},否则稿件的链接会重复", "the pattern must contain {id}"
        )
    parts = urlsplit(text.replace("{", "").replace("}", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(
            "pattern",
            "链接规则应以 http:// 或 https:// 开头并包含域名",
            "the pattern must be an absolute http(s) URL",
        )
    return text


def story_url(
    pattern: str, story_id: str, column_slug: str | None, published_at_ms: int, tenant: str
) -> str:
    """The URL of a published story under `pattern` (checked with `check_pattern`)."""
    day = datetime.fromtimestamp(published_at_ms / 1000, tz=UTC).astimezone(CST)
    values = {
        "id": story_id,
        "column": column_slug or NO_COLUMN,
        "yyyy": f"{day.year:04d}",
        "mm": f"{day.month:02d}",
        "dd": f"{day.day:02d}",
        "tenant": tenant,
    }
    return pattern.format(**{k: quote(v, safe="") for k, v in values.items()})


def usable(pattern: str | None) -> str | None:
    """A pattern from settings or a store, or None when it is unset or no longer valid."""
    if not pattern:
        return None
    try:
        return check_pattern(pattern)
    except HubError:
        return None
