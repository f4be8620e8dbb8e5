"""Building the distribution engine from settings: channels, transports, configuration."""

from __future__ import annotations

from ronghub_sdk import TransportKind

from hub.channels.manager import load_channels
from hub.distribution.engine import Distribution
from hub.distribution.readmodel import ReadModelStore
from hub.distribution.transports import TransportProvider
from hub.settings import Settings


def build_transports(settings: Settings) -> TransportProvider:
    provider = TransportProvider()
    read_model = ReadModelStore(settings.public_base_url)
    provider.register(TransportKind.READ_MODEL, lambda channel, config, tenant: read_model)
    return provider


def build_distribution(settings: Settings) -> Distribution:
    return Distribution(
        channels=load_channels(settings.plugins),
        transports=build_transports(settings),
        channel_config=settings.channel_config,
        default_channels=tuple(settings.default_channels),
    )
