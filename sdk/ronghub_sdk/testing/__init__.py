"""Test a channel plugin without a hub: sample stories, recording transports, a harness."""

from ronghub_sdk.testing._harness import ChannelHarness
from ronghub_sdk.testing._recorders import (
    ApiCall,
    MemoryFeed,
    MemoryFileDrop,
    MemoryReadModel,
    RecordingApi,
    RecordingWebhook,
    recorder_for,
)
from ronghub_sdk.testing._samples import (
    ALERT,
    ARTICLE,
    POLICY,
    VIDEO,
    sample_asset_bytes,
    sample_stories,
)

__all__ = [
    "ALERT",
    "ARTICLE",
    "POLICY",
    "VIDEO",
    "ApiCall",
    "ChannelHarness",
    "MemoryFeed",
    "MemoryFileDrop",
    "MemoryReadModel",
    "RecordingApi",
    "RecordingWebhook",
    "recorder_for",
    "sample_asset_bytes",
    "sample_stories",
]
