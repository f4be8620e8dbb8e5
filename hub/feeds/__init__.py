"""Partner feeds: the partner item log, subscriptions and the pull feed (pull_feed.py);
webhooks live in hub/feeds/webhooks, the signatures and the partner signing keys in
hub/signing. Guide: docs/feeds.md."""
