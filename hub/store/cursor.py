"""Opaque Relay cursors over an indexed sort key plus `_id` as tie-breaker."""

from __future__ import annotations

import base64
import json
from typing import Any

from hub.errors import HubError, invalid


def encode(key: str, value: Any, doc_id: str) -> str:
    raw = json.dumps([key, value, doc_id], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _invalid() -> HubError:
    return invalid("after", "翻页游标无效,请从第一页重新开始", "invalid cursor; start again from the first page")


def decode(cursor: str, key: str) -> tuple[Any, str]:
    """The (value, id) a cursor of `key` points after; a clear INVALID_INPUT if tampered."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        k, value, doc_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, RecursionError) as exc:  # RecursionError: "[[[[..." payloads
        raise _invalid() from exc
    # The value goes into the query as is: only a plain scalar may come back (a tampered
    # object such as {"$ne": null} would be read as an operator).
    if not isinstance(value, int | float | str) or isinstance(value, bool) or not isinstance(doc_id, str):
        raise _invalid()
    if k != key:
        raise invalid("after", "翻页游标与排序方式不符,请从第一页重新开始", "the cursor belongs to another ordering")
    return value, doc_id


def after_filter(key: str, value: Any, doc_id: str) -> dict[str, Any]:
    """Documents strictly after (value, id) in descending (key, _id) order."""
    return {"$or": [{key: {"$lt": value}}, {key: value, "_id": {"$lt": doc_id}}]}
