"""Channel configuration: a center's settings merged over the channel's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_config(defaults: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """`overrides` deep-merged over `defaults` (nested mappings merge, other values replace)."""
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in defaults.items()}
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = value
    return merged


def limit(config: Mapping[str, Any], name: str) -> Any:
    """One limit from the `limits` section of a merged configuration."""
    return config["limits"][name]
