"""Channel configuration: a center's settings merged over the channel's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_config(
    defaults: Mapping[str, Any], overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    """`overrides` deep-merged over `defaults` (nested mappings merge, other values replace)."""
    merged: dict[str, Any] = {
        k: (dict(v) if isinstance(v, Mapping) else v) for k, v in defaults.items()
    }
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = value
    return merged


class ConfigError(LookupError):
    """A configuration lacks what a plugin reads from it; the message says what and why."""


def limit(config: Mapping[str, Any], name: str) -> Any:
    """One limit from the `limits` section of a merged configuration.

    The hub passes hooks the merged configuration (`describe().defaults` under the
    center's settings), so a limit the defaults declare is always there; a test that
    builds its own config should merge it the same way (`merge_config`, or
    `ChannelHarness(plugin, config=...)`, which does)."""
    limits = config.get("limits") if isinstance(config, Mapping) else None
    if not isinstance(limits, Mapping):
        raise ConfigError(
            f"limit({name!r}): the configuration has no 'limits' section; declare the limit in "
            "describe().defaults['limits'] and pass the merged configuration "
            "(merge_config(defaults, settings)), not the center's settings alone"
        )
    if name not in limits:
        known = ", ".join(sorted(map(str, limits))) or "none"
        raise ConfigError(
            f"limit({name!r}): no such limit in config['limits'] (it has: {known}); "
            "declare it in describe().defaults['limits']"
        )
    return limits[name]
