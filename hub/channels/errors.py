"""Error kinds of the channel subsystem (plugin loading, rendering, overrides)."""

from __future__ import annotations

from hub.errors import ErrorKind


class ChannelCodes:
    CHANNEL_UNKNOWN = ErrorKind(
        "CHANNEL_UNKNOWN",
        "没有名为 {channel} 的渠道(已加载:{loaded}),请检查渠道插件是否安装并启用。",
        "No channel named {channel} is loaded (loaded: {loaded}).",
        404,
    )
    CHANNEL_HOOK_MISSING = ErrorKind(
        "CHANNEL_HOOK_MISSING",
        "渠道 {channel} 不支持“{hook}”操作。",
        "Channel {channel} does not implement {hook}.",
    )
    CHANNEL_FIELD_NOT_OVERRIDABLE = ErrorKind(
        "CHANNEL_FIELD_NOT_OVERRIDABLE",
        "渠道 {channel} 不允许手工修改字段 {field}(可修改:{allowed})。",
        "Field {field} of channel {channel} cannot be overridden (allowed: {allowed}).",
    )
    CHANNEL_PLUGIN_FAILED = ErrorKind(
        "CHANNEL_PLUGIN_FAILED",
        "渠道插件 {channel} 在执行“{hook}”时出错,已记录,不再自动重试;请联系技术人员检查插件或稿件数据后重新投递。",
        "Channel plugin {channel} failed in {hook}: {reason}",
        500,
    )
