"""Consumers: who wants which outbox events, and the handler that does the work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from hub.domain.retry import RetryPolicy
from hub.jobs.documents import JobDoc


class RetryLater(Exception):
    """A transient failure (rate limit, timeout, 5xx): retry with backoff.

    `after_seconds` is the platform's Retry-After, if it gave one.
    """

    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after_seconds = after_seconds


class PermanentFailure(Exception):
    """A failure retrying cannot fix (rejected by review, invalid variant): dead-letter now."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Deferred(Exception):
    """Not yet: run the job again at `until_ms` (e.g. an embargo still holds). Not a
    failure: the attempt is not counted and nothing is dead-lettered."""

    def __init__(self, reason: str, until_ms: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.until_ms = until_ms


Handler = Callable[[JobDoc], Awaitable[dict[str, object] | None]]


@dataclass(frozen=True)
class Consumer:
    """A named consumer of outbox events.

    `kinds` are event kinds or prefixes ending in '.' (e.g. "story."). Any other
    exception from the handler counts as transient (retried with backoff).
    `needed(tenant, payload)`, if given, is asked by the relay before it makes a job:
    False skips the event (not this consumer's, or its work is done already);
    `needed_of(tenant, payloads)` is the same question for several events of one tenant
    at once (one answer each, in order), asked once per relay sweep instead (a look in
    the store per event was a round trip per change);
    `delay_seconds` makes the job due that long after the event (a safety net like the
    audit recovery). `concurrency`: how many of its jobs one worker runs at once (jobs
    that wait on a platform, e.g. deliveries; each job is leased on its own, as if other
    workers ran them); 1 keeps them one after the other. `claimed(jobs)`, if given, is
    told the jobs of each claim before any of them runs (a worker claims a slot's worth at
    once and starts them as slots free): it may start the reads they will need together
    (the deliveries' publications, one find).
    """

    name: str
    kinds: tuple[str, ...]
    handler: Handler
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease_seconds: float = 60.0
    delay_seconds: float = 0.0
    needed: Callable[[str, dict[str, Any]], Awaitable[bool]] | None = None
    concurrency: int = 1
    needed_of: Callable[[str, list[dict[str, Any]]], Awaitable[list[bool]]] | None = None
    claimed: Callable[[list[JobDoc]], None] | None = None

    def wants(self, kind: str) -> bool:
        return any(kind == k or (k.endswith(".") and kind.startswith(k)) for k in self.kinds)
