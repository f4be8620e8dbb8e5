"""Small helpers the built-in plugins share: overrides, problems, text lengths."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ronghub_sdk import Problem, Severity, StoryInput, Variant

_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_WS = re.compile(r"\s+")


def make_variant(
    channel: str,
    story: StoryInput,
    fields: dict[str, Any],
    overrides: Mapping[str, Any],
    **flags: Any,
) -> Variant:
    """A variant with the editor's overrides applied over the rendered fields."""
    return Variant(
        channel=channel,
        story_id=story.story_id,
        revision_id=story.revision_id,
        fields={**fields, **dict(overrides)},
        tenant=story.tenant,
        overridden=tuple(sorted(overrides)),
        flags=dict(flags),
        assets=story.assets,
    )


def problem(code: str, field: str, zh: str, en: str, warning: bool = False) -> Problem:
    """A validation problem (an error unless `warning`)."""
    return Problem(code, field, zh, en, Severity.WARNING if warning else Severity.ERROR)


def too_long(code: str, field: str, label_zh: str, value: str | None, limit: int) -> Problem | None:
    """A problem when `value` has more than `limit` characters, saying by how much."""
    n = len(value or "")
    if n <= limit:
        return None
    return problem(
        code,
        field,
        f"{label_zh}最多 {limit} 个字,现有 {n} 个,请删减 {n - limit} 个字。",
        f"{field} is limited to {limit} characters; it has {n}.",
    )


def required(code: str, field: str, label_zh: str, value: Any) -> Problem | None:
    """A problem when a required value is missing or blank."""
    if (
        value is None
        or (isinstance(value, str | list | tuple) and not value)
        or (isinstance(value, str) and not value.strip())
    ):
        return problem(code, field, f"{label_zh}不能为空,请填写。", f"{field} is required.")
    return None


def plain(html: str) -> str:
    """Text of an HTML fragment on one line (for digests)."""
    return _WS.sub(" ", _TAG.sub(" ", html)).strip()


def strip_scripts(html: str) -> str:
    """Remove <script> elements (platforms strip them; we do it visibly first)."""
    return _SCRIPT.sub("", html)


def first_chars(text: str, n: int) -> str:
    """The first `n` characters of `text` with whitespace collapsed."""
    return _WS.sub(" ", text).strip()[:n]


def compact(problems: list[Problem | None]) -> list[Problem]:
    """Drop the Nones a list of optional checks produced."""
    return [p for p in problems if p is not None]
