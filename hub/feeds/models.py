"""Every document the feeds subsystem stores, with the partner signing keys (hub/signing)
(registered in hub/wiring.py)."""

from __future__ import annotations

from beanie import Document

from hub.feeds.log import FeedItemDoc, FeedPendingDoc
from hub.feeds.subscriptions import SubscriptionDoc
from hub.signing import FeedKeyDoc

FEEDS_MODELS: list[type[Document]] = [FeedItemDoc, FeedPendingDoc, FeedKeyDoc, SubscriptionDoc]
