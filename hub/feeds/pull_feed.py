"""A channel's pull feed (ronghub_sdk.transports.PullFeed), e.g. 学习强国's, on the
partner item log (hub/feeds/log.py): each put or withdrawal is an entry of the global
sequence, so partners reading the feed in order miss nothing and see nothing twice,
even while new items arrive. Withdrawn items stay, marked, so readers learn of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from beanie.odm.enums import SortDirection

from hub.feeds import log
from hub.feeds.content import from_json_feed_item
from hub.feeds.log import FeedItemDoc, FeedPendingDoc
from hub.ids import now_ms

__all__ = ["FeedItemDoc", "FeedPendingDoc", "StoredFeed"]


class StoredFeed:
    """The PullFeed transport for one tenant's feed (e.g. the 学习强国 channel's)."""

    def __init__(self, tenant: str, feed: str, public_base_url: str = "") -> None:
        self.tenant = tenant
        self.feed = feed
        self.base = public_base_url.rstrip("/")

    async def put_item(self, item_id: str, item: Mapping[str, Any]) -> str:
        """Add or replace an item; returns where partners read it. The snapshot comes
        from the revision the item names (`_ronghub.revision_id`), else from the item."""
        ext = item.get("_ronghub") or {}
        rev = (
            await log.revision_content(self.tenant, str(ext["revision_id"]))
            if ext.get("revision_id")
            else None
        )
        if rev is not None:
            published = log.parse_time_ms(item.get("date_published")) or now_ms()
            await log.put_story(
                self.tenant,
                self.feed,
                item_id,
                rev.content,
                revision=rev.number,
                content_hash=rev.content_hash,
                published_at=published,
                updated_at=now_ms(),
                canonical_url=item.get("url"),
                item=item,
            )
        else:
            await log.put(
                self.tenant, self.feed, item_id, from_json_feed_item(item, now_ms()), item=item
            )
        return f"{self.base}/feeds/items/{self.tenant}/{self.feed}/{item_id}"

    async def withdraw_item(self, item_id: str, reason: str) -> None:
        """Mark the item withdrawn (a new sequence number, so readers see the change)."""
        await log.withdraw(self.tenant, self.feed, item_id, reason)

    async def since(self, after_seq: int, limit: int = 100) -> list[FeedItemDoc]:
        """The newest entry of each of this feed's items changed after `after_seq`, in order."""
        rows = (
            await FeedItemDoc.find(
                {"tenant": self.tenant, "feed": self.feed, "seq": {"$gt": after_seq}}
            )
            .sort([("seq", SortDirection.ASCENDING)])
            .to_list()
        )
        newest = {r.item_id: r for r in rows}
        return sorted(newest.values(), key=lambda r: r.seq)[:limit]
