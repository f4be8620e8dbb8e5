"""Tests declare which hooks they exercise with `@covers("render", ...)`.

tests/channels/test_hook_contract.py reads these declarations from the test sources
and fails when a hook in ronghub_sdk.hookspecs has no test (or no docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ronghub_sdk import HOOK_NAMES

F = TypeVar("F", bound=Callable[..., Any])


def covers(*hooks: str) -> Callable[[F], F]:
    """Mark a test as exercising `hooks`; unknown names fail at import."""
    unknown = set(hooks) - set(HOOK_NAMES)
    if unknown:
        raise ValueError(f"not hooks: {sorted(unknown)}")

    def mark(fn: F) -> F:
        fn.covers_hooks = hooks  # type: ignore[attr-defined]
        return fn

    return mark
