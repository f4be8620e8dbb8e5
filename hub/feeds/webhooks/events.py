"""What an item of the partner log becomes as a webhook event. No I/O.

    {"type": "story.published" | "story.updated" | "story.withdrawn",
     "timestamp": "<ISO 8601 UTC, when the item entered the log>",
     "data": {"seq", "tenant", "feed", "item_id", "story_id", "pubstatus", "reason",
              "embargo_until", "content": {...}, "item": {...}}}

A test event (`sendWebhookTestEvent`) is `{"type": "webhook.test", "timestamp": …, "data":
{"test": true, "tenant", "endpoint_id", "subscription_id", "message"}}`: signed like the
others, outside the log (no seq), so a receiver can check its URL and verification.

`published`: the first usable entry of an item (or the first after a withdrawal);
`updated`: a later usable entry (a correction, 更正); `withdrawn`: a canceled entry (撤稿).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from hub.feeds.content import ItemContent

TEST = "webhook.test"  # sendWebhookTestEvent: no story, nothing in the partner log
PUBLISHED = "story.published"
UPDATED = "story.updated"
WITHDRAWN = "story.withdrawn"


class _Entry(Protocol):
    seq: int
    tenant: str
    feed: str
    item_id: str
    story_id: str
    reason: str | None
    embargo_until: int | None
    appended_at: int
    content: ItemContent
    item: dict[str, Any]

    @property
    def withdrawn(self) -> bool: ...


def event_type(entry: _Entry, previous: _Entry | None) -> str:
    """The event of `entry`, given the item's entry before it (None: first ever)."""
    if entry.withdrawn:
        return WITHDRAWN
    if previous is None or previous.withdrawn:
        return PUBLISHED
    return UPDATED


def payload(entry: _Entry, kind: str) -> dict[str, Any]:
    at = datetime.fromtimestamp(entry.appended_at / 1000, tz=UTC)
    return {
        "type": kind,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "data": {
            "seq": entry.seq,
            "tenant": entry.tenant,
            "feed": entry.feed,
            "item_id": entry.item_id,
            "story_id": entry.story_id,
            "pubstatus": "canceled" if entry.withdrawn else "usable",
            "reason": entry.reason,
            "embargo_until": entry.embargo_until,
            "content": entry.content.model_dump(mode="json"),
            "item": entry.item,
        },
    }


def test_payload(tenant: str, endpoint_id: str, subscription_id: str, at_ms: int) -> dict[str, Any]:
    """The body of a test event sent to one endpoint at `at_ms`."""
    at = datetime.fromtimestamp(at_ms / 1000, tz=UTC)
    return {
        "type": TEST,
        "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "data": {
            "test": True,
            "tenant": tenant,
            "endpoint_id": endpoint_id,
            "subscription_id": subscription_id,
            "message": "融汇测试事件:收到即说明推送地址与签名校验正常。",
        },
    }
