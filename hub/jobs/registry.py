"""The consumers this deployment runs. Every worker process must run the same list:
the relay creates jobs only for consumers it knows."""

from __future__ import annotations

from typing import Any

from hub.jobs.consumers import Consumer


def builtin_consumers(state: Any) -> list[Consumer]:
    """Consumers of the built-in subsystems, given the app's state (services)."""
    consumers: list[Consumer] = []
    distribution = getattr(state, "distribution", None)
    if distribution is not None:
        consumers.extend(distribution.consumers())
    return consumers
