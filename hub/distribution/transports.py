"""Which transport object a channel's `deliver` gets, by the channel's TransportKind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ronghub_sdk import TransportKind

TransportFactory = Callable[
    [str, Mapping[str, Any], str], Any
]  # (channel, config, tenant) -> transport


class TransportProvider:
    """A registry of transport factories; the hub registers one per kind it supports."""

    def __init__(self) -> None:
        self._factories: dict[TransportKind, TransportFactory] = {}
        self.cache: dict[
            tuple[str, str, str, str], Any
        ] = {}  # (kind, channel, tenant, config) -> transport

    def register(self, kind: TransportKind, factory: TransportFactory) -> None:
        self._factories[kind] = factory

    def get(self, kind: TransportKind, channel: str, config: Mapping[str, Any], tenant: str) -> Any:
        factory = self._factories.get(kind)
        if factory is None:
            raise LookupError(f"no transport for {kind} (channel {channel})")
        return factory(channel, config, tenant)

    async def aclose(self) -> None:
        """Close every cached transport that holds connections (HTTP clients)."""
        for transport in self.cache.values():
            close = getattr(transport, "aclose", None)
            if close is not None:
                await close()
        self.cache.clear()
