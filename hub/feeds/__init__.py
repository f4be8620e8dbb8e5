"""Partner feeds: the partner item log, subscriptions, signed pull feeds and the
partner signing keys (webhooks live in hub/feeds/webhooks). Guide: docs/feeds.md."""
