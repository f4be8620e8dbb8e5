"""Building the distribution engine from settings: channels, transports, configuration."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ronghub_sdk import TransportKind

from hub.channels.manager import load_channels
from hub.distribution import channel_config
from hub.distribution.engine import Distribution
from hub.distribution.readmodel import ReadModelStore
from hub.distribution.transports import TransportProvider
from hub.feeds.pull_feed import StoredFeed
from hub.media.service import media_service
from hub.settings import Settings
from hub.transports.factory import build_transport
from hub.transports.token_store import StoredTokens


def build_transports(
    settings: Settings, on_read_model_change: Callable[[str, int], None] | None = None
) -> TransportProvider:
    """One transport per (channel, tenant), kept for the process's life: API clients hold
    their OAuth tokens and connection pools across deliveries."""
    provider = TransportProvider()
    read_model = ReadModelStore(
        settings.public_base_url,
        on_change=on_read_model_change,
        site_url_pattern=settings.site_url_pattern,
    )
    cache = provider.cache

    def factory(kind: TransportKind) -> Any:
        def make(channel: str, config: Mapping[str, Any], tenant: str) -> Any:
            # the configuration is part of the key: a center changing its settings gets a new transport
            key = (kind.value, channel, tenant, json.dumps(config, sort_keys=True, default=str))
            if key not in cache:
                feed = (
                    StoredFeed(tenant, channel, settings.public_base_url)
                    if kind is TransportKind.PULL_FEED
                    else None
                )
                tokens = None
                if kind is TransportKind.PLATFORM_API:
                    tokens = StoredTokens(
                        settings, tenant, channel, dict(config.get("credentials") or {})
                    )
                cache[key] = build_transport(
                    kind, config, settings, read_model=read_model, feed=feed, token_store=tokens
                )
            return cache[key]

        return make

    for kind in TransportKind:
        provider.register(kind, factory(kind))
    return provider


def build_distribution(
    settings: Settings, on_read_model_change: Callable[[str, int], None] | None = None
) -> Distribution:
    return Distribution(
        channels=load_channels(settings.plugins),
        transports=build_transports(settings, on_read_model_change),
        channel_config=settings.channel_config,
        default_channels=tuple(settings.default_channels),
        media_urls=media_service(settings).url,
        tenant_config=lambda tenant, channel: channel_config.load(tenant, channel, settings),
        metrics_after_s=tuple(settings.metrics_after_s),
        concurrency=settings.delivery_concurrency,
    )
