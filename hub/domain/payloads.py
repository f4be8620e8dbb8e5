"""Free-form JSON payloads (platform reports, statuses, delivery details) as the store can
keep them. Plain code, no I/O.

The store keeps integers as 64-bit (BSON int64): a larger one cannot be written at all,
and the write that carries it fails as a whole. Payloads a person sends (a 学习强国
adoption report) are refused with the path of the offending value (`out_of_range`);
payloads a platform returned are kept with such integers as decimal text (`storable`),
since the hub cannot refuse what a platform already did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DEPTH = 32


def out_of_range(value: Any, path: str = "", depth: int = 0) -> str | None:
    """The path (e.g. `details.reported_at_ms`) of the first value the store cannot keep
    (an integer outside 64 bits, a non-text key, nesting deeper than MAX_DEPTH), or None."""
    if depth > MAX_DEPTH:
        return path or "$"
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else (path or "$")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or key.startswith("$") or "." in key:
                return f"{path}.{key}" if path else str(key)
            found = out_of_range(item, f"{path}.{key}" if path else key, depth + 1)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = out_of_range(item, f"{path}[{i}]", depth + 1)
            if found:
                return found
    return None


def storable(value: Any) -> Any:
    """`value` with every integer outside 64 bits turned into its decimal text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else str(value)
    if isinstance(value, Mapping):
        return {str(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value
