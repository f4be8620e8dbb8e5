"""Helpers for channel end-to-end tests: stories whose assets are real files, transports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ronghub_sdk import StoryInput
from ronghub_sdk.testing import sample_asset_bytes

from hub.channels import ChannelManager
from hub.settings import Settings
from hub.transports import build_transport

SETTINGS = Settings(outbound_allow_loopback=True)


def materialize(
    story: StoryInput, directory: Path, sizes: dict[str, int] | None = None
) -> StoryInput:
    """The story with each sample asset written to a file and its URLs pointing there."""
    directory.mkdir(parents=True, exist_ok=True)
    assets, body = [], story.body
    for asset in story.assets:
        size = (sizes or {}).get(asset.id, asset.size)
        path = directory / asset.url.removeprefix("sample://")
        path.write_bytes(sample_asset_bytes(asset.url, size))
        assets.append(replace(asset, url=path.as_uri(), size=size))
        body = body.replace(asset.url, path.as_uri())
    return replace(story, assets=tuple(assets), body=body)


def transport_for(
    manager: ChannelManager, channel: str, config: dict[str, Any], **services: Any
) -> Any:
    """The hub's real transport for a channel, as the engine will build it."""
    return build_transport(
        manager.info(channel).transport, manager.config(channel, config), SETTINGS, **services
    )
