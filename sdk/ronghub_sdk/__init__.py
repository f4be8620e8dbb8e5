"""Ronghub SDK: what plugin authors and partner platforms import.

Channel plugins implement the hooks in `ronghub_sdk.hookspecs` with `@hookimpl`, take
and return the plain values below, and are tested with `ronghub_sdk.testing`.
"""

from ronghub_sdk._config import ConfigError, limit, merge_config
from ronghub_sdk._errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError
from ronghub_sdk._types import (
    ApprovedRevision,
    Asset,
    Capability,
    ChannelInfo,
    Checkpoints,
    DeliveryResult,
    Finding,
    Metrics,
    Place,
    PlatformStatus,
    Problem,
    RenderContext,
    Severity,
    Source,
    StatusState,
    StoryInput,
    TransportKind,
    Variant,
)
from ronghub_sdk.hookspecs import ENTRY_POINT_GROUP, HOOK_NAMES, PROJECT, hookimpl, hookspec

__version__ = "0.1.0"

__all__ = [
    "ENTRY_POINT_GROUP",
    "HOOK_NAMES",
    "PROJECT",
    "ApprovedRevision",
    "Asset",
    "Capability",
    "ChannelInfo",
    "Checkpoints",
    "ConfigError",
    "DeliveryError",
    "DeliveryResult",
    "Finding",
    "Metrics",
    "PermanentDeliveryError",
    "Place",
    "PlatformStatus",
    "Problem",
    "RenderContext",
    "Severity",
    "Source",
    "StatusState",
    "StoryInput",
    "TransientDeliveryError",
    "TransportKind",
    "Variant",
    "__version__",
    "hookimpl",
    "hookspec",
    "limit",
    "merge_config",
]
