"""The newsroom event bus: subsystems publish, GraphQL subscriptions listen.

`publish` is the one call a subsystem makes after a change has been stored (never
before: a listener must be able to read what the event announces). Events are
per tenant; a listener only ever sees its own center's.

This first version delivers to listeners in the same process. Delivery across
processes (a change made by the worker reaching a subscriber of the API process)
is the bus's business, not the publisher's: the signature of `publish` stays.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.ids import now_ms

#: Topics a front-end can subscribe to.
TOPICS = ("story_lock", "assignment", "review_queue", "story", "comment")


@dataclass(frozen=True)
class NewsroomEvent:
    tenant: str
    topic: str  # one of TOPICS
    kind: str  # e.g. "lock.acquired", "assignment.overdue", "review.signed"
    subject_id: str  # the story, assignment, lead ... the event is about
    actor: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    at: int = field(default_factory=now_ms)


_listeners: set[tuple[str, frozenset[str], asyncio.Queue[NewsroomEvent]]] = set()


async def publish(
    tenant: str,
    topic: str,
    kind: str,
    subject_id: str,
    actor: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Announce a stored change to the tenant's listeners on `topic`."""
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    event = NewsroomEvent(tenant, topic, kind, subject_id, actor, dict(data or {}))
    for listener_tenant, topics, queue in list(_listeners):
        if listener_tenant == tenant and topic in topics:
            queue.put_nowait(event)


async def listen(tenant: str, topics: Collection[str]) -> AsyncIterator[NewsroomEvent]:
    """Events of `tenant` on `topics`, as they are published, until the caller stops."""
    queue: asyncio.Queue[NewsroomEvent] = asyncio.Queue()
    entry = (tenant, frozenset(topics), queue)
    _listeners.add(entry)
    try:
        while True:
            yield await queue.get()
    finally:
        _listeners.discard(entry)
