"""A durable pull feed (ronghub_sdk.transports.PullFeed): items partners read in order.

Each put or withdrawal gets the next number of the feed's sequence, so a reader that
remembers the last number it saw misses nothing and sees nothing twice, even while
new items arrive. Withdrawn items stay, marked, so readers learn of the withdrawal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from beanie.odm.enums import SortDirection
from pydantic import Field
from pymongo import IndexModel, ReturnDocument

from hub.ids import now_ms
from hub.store.documents import CounterDoc, TenantDocument


class FeedItemDoc(TenantDocument):
    """One item of one feed (`_id` = `{tenant}:{feed}:{item_id}`)."""

    feed: str
    item_id: str
    item: dict[str, Any] = Field(default_factory=dict)
    seq: int
    withdrawn: bool = False
    reason: str | None = None
    updated_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "feed_items"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("feed", 1), ("seq", 1)])]


class StoredFeed:
    """The PullFeed transport for one tenant's feed (e.g. the 学习强国 channel's)."""

    def __init__(self, tenant: str, feed: str, public_base_url: str = "") -> None:
        self.tenant = tenant
        self.feed = feed
        self.base = public_base_url.rstrip("/")

    async def _next_seq(self) -> int:
        raw = await CounterDoc.get_pymongo_collection().find_one_and_update(
            {"_id": f"{self.tenant}:feed:{self.feed}", "tenant": self.tenant},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert raw is not None  # upsert with the document after: always returned
        return int(raw["value"])

    def _id(self, item_id: str) -> str:
        return f"{self.tenant}:{self.feed}:{item_id}"

    async def put_item(self, item_id: str, item: Mapping[str, Any]) -> str:
        """Add or replace an item; returns where partners read it."""
        seq = await self._next_seq()
        await FeedItemDoc.get_pymongo_collection().update_one(
            {"_id": self._id(item_id), "tenant": self.tenant},
            {"$set": {"feed": self.feed, "item_id": item_id, "item": dict(item), "seq": seq, "withdrawn": False,
                      "reason": None, "updated_at": now_ms(), "tenant": self.tenant}},
            upsert=True,
        )  # fmt: skip
        return f"{self.base}/feeds/{self.feed}/items/{item_id}"

    async def withdraw_item(self, item_id: str, reason: str) -> None:
        """Mark the item withdrawn (a new sequence number, so readers see the change)."""
        seq = await self._next_seq()
        await FeedItemDoc.get_pymongo_collection().update_one(
            {"_id": self._id(item_id), "tenant": self.tenant},
            {"$set": {"withdrawn": True, "reason": reason, "seq": seq, "updated_at": now_ms()}},
        )

    async def since(self, after_seq: int, limit: int = 100) -> list[FeedItemDoc]:
        """Items changed after `after_seq`, in order."""
        return (
            await FeedItemDoc.find({"tenant": self.tenant, "feed": self.feed, "seq": {"$gt": after_seq}})
            .sort([("seq", SortDirection.ASCENDING)])
            .limit(limit)
            .to_list()
        )
