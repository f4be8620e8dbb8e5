"""Build the transport a channel asks for from its configuration's `transport` section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ronghub_sdk import PermanentDeliveryError, TransportKind

from hub.settings import Settings
from hub.transports.feed import UnconfiguredFeed
from hub.transports.file_drop import DirectoryDrop
from hub.transports.outbound import OutboundPolicy
from hub.transports.platform_api import PlatformApiClient, TokenConfig
from hub.transports.webhook import WebhookSender


def build_transport(
    kind: TransportKind | str,
    config: Mapping[str, Any],
    settings: Settings,
    *,
    read_model: Any = None,
    feed: Any = None,
    token_store: Any = None,
) -> Any:
    """A transport for `kind`, configured by `config["transport"]`.

    The read model and the pull feed are services of the hub itself: the engine passes
    them in (`read_model`, `feed`), and where platform tokens are kept (`token_store`);
    the others are built from configuration.
    """
    section = dict(config.get("transport") or {})
    kind = TransportKind(kind)
    loopback = settings.outbound_allow_loopback
    if kind is TransportKind.PLATFORM_API:
        token = section.get("token")
        return PlatformApiClient(
            base_url=_required(section, "base_url"),
            token=TokenConfig.from_config(token) if token else None,
            credentials=dict(config.get("credentials") or {}),
            timeout_s=float(section.get("timeout_s", 15.0)),
            allow_loopback=loopback,
            policy=OutboundPolicy.from_settings(settings),
            store=token_store,
        )
    if kind is TransportKind.WEBHOOK:
        return WebhookSender(
            _required(section, "url"),
            list(section.get("secrets") or []),
            timeout_s=float(section.get("timeout_s", 10.0)),
            allow_loopback=loopback,
            policy=OutboundPolicy.from_settings(settings),
        )
    if kind is TransportKind.FILE_DROP:
        return DirectoryDrop(_required(section, "directory"))
    if kind is TransportKind.PULL_FEED:
        return feed if feed is not None else UnconfiguredFeed()
    if read_model is None:
        raise PermanentDeliveryError(
            "本中心客户端的读模型未接入", "no read model was given for the app channel"
        )
    return read_model


def _required(section: Mapping[str, Any], key: str) -> str:
    value = section.get(key)
    if not value:
        raise PermanentDeliveryError(
            f"渠道传输配置缺少 {key},请管理员在渠道设置中填写。",
            f"transport setting {key} is missing",
        )
    return str(value)
