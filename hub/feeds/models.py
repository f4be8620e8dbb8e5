"""Every document the feeds subsystem stores (registered in hub/wiring.py)."""

from __future__ import annotations

from beanie import Document

from hub.feeds.documents import FeedKeyDoc
from hub.feeds.log import FeedItemDoc, FeedPendingDoc
from hub.feeds.subscriptions import SubscriptionDoc

FEEDS_MODELS: list[type[Document]] = [FeedItemDoc, FeedPendingDoc, FeedKeyDoc, SubscriptionDoc]
