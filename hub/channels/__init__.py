"""Channels (渠道): the plugin manager and what the hub gives channel plugins."""

from hub.channels.manager import ChannelManager, LoadedChannel, LoadFailure, load_channels

__all__ = ["ChannelManager", "LoadFailure", "LoadedChannel", "load_channels"]
