"""Transports (传输方式): how a channel's rendered variant travels, independent of its format.

Channel = format × transport. Each transport implements a protocol from
`ronghub_sdk.transports`; `build_transport` makes the one a channel asks for from the
`transport` section of its configuration.
"""

from hub.transports.factory import build_transport
from hub.transports.file_drop import DirectoryDrop
from hub.transports.outbound import BlockedAddress, check_outbound_url
from hub.transports.platform_api import PlatformApiClient, TokenConfig
from hub.transports.webhook import WebhookSender

__all__ = [
    "BlockedAddress",
    "DirectoryDrop",
    "PlatformApiClient",
    "TokenConfig",
    "WebhookSender",
    "build_transport",
    "check_outbound_url",
]
