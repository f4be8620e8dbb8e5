"""When to try a webhook delivery again, and what a receiver's answer means. No I/O.

The retry schedule is Standard Webhooks' (Svix's): attempt 1 immediately, then after
5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: eight attempts over about 28 hours. Each
wait gets ±`jitter` (default 10 %) so many endpoints failing together do not retry in
lock-step.

Receiver answers:
- 2xx: delivered.
- 410 Gone: the receiver is gone for good; the endpoint is disabled (the cursor stays, so
  enabling it again resumes with this item).
- 429 and 5xx: the endpoint is throttled: no delivery to it before `Retry-After`
  (seconds or an HTTP date) if given, and never sooner than the schedule says.
- any other status (3xx are not followed; 400, 401, 403, 404, 413 …): retried on the
  schedule. A receiver that refuses because of a wrong secret during a rotation or a
  deployment mistake recovers without losing events; one that refuses for ever is
  disabled when the schedule is exhausted.
- timeouts and connection errors: retried on the schedule.

When the schedule is exhausted the endpoint is disabled ("failing"); its cursor stays
on the undelivered item, so nothing is lost and order holds when it is enabled again.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

STANDARD_SCHEDULE_S: tuple[float, ...] = (0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000)
MAX_RETRY_AFTER_S = 86_400.0  # a Retry-After further away than a day is read as a day


@dataclass(frozen=True)
class RetrySchedule:
    """`delays_s[n]` is the wait before attempt n+1 (delays_s[0] is the first attempt's, 0)."""

    delays_s: tuple[float, ...] = STANDARD_SCHEDULE_S
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if not self.delays_s or any(d < 0 for d in self.delays_s):
            raise ValueError("a retry schedule is a non-empty list of non-negative delays")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter is a fraction in [0, 1)")

    @classmethod
    def of(cls, delays: Sequence[float], jitter: float = 0.1) -> RetrySchedule:
        return cls(tuple(float(d) for d in delays), jitter)

    @property
    def attempts(self) -> int:
        return len(self.delays_s)

    def delay_after(self, failed_attempts: int, rng: random.Random | None = None) -> float | None:
        """Seconds to wait after `failed_attempts` failures (1-based), or None: give up."""
        if failed_attempts < 1:
            raise ValueError("failed_attempts is 1-based")
        if failed_attempts >= self.attempts:
            return None
        base = self.delays_s[failed_attempts]
        if base == 0 or self.jitter == 0:
            return base
        spread = base * self.jitter
        return base - spread + (rng or random).random() * 2 * spread


class Verdict(StrEnum):
    DELIVERED = "delivered"
    GONE = "gone"  # 410: disable the endpoint
    THROTTLED = "throttled"  # 429 / 5xx: wait at least Retry-After
    FAILED = "failed"  # other status, timeout, connection error: retry on the schedule


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    retry_after_s: float | None = None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None if absent or bad."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def classify(
    status: int | None, retry_after: str | None = None, now: datetime | None = None
) -> Outcome:
    """What a receiver's answer means; `status` None is a timeout or connection error."""
    if status is None:
        return Outcome(Verdict.FAILED)
    if 200 <= status < 300:
        return Outcome(Verdict.DELIVERED)
    if status == 410:
        return Outcome(Verdict.GONE)
    if status == 429 or status >= 500:
        return Outcome(Verdict.THROTTLED, parse_retry_after(retry_after, now))
    return Outcome(Verdict.FAILED)


def next_wait(
    schedule: RetrySchedule,
    failed_attempts: int,
    outcome: Outcome,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds until the next attempt after a failed one, or None: the schedule is exhausted.

    Retry-After is honoured as a lower bound: a throttled endpoint is never called sooner
    than it asked, nor sooner than the schedule.
    """
    delay = schedule.delay_after(failed_attempts, rng)
    if delay is None:
        return None
    if outcome.retry_after_s is not None:
        delay = max(delay, outcome.retry_after_s)
    return delay
