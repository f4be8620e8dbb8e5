"""Retry policy: exponential backoff with jitter, a cap, and a last attempt. No I/O."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How a consumer retries: attempt n waits about base·2^(n-1) seconds, at most `cap`."""

    max_attempts: int = 8
    base_seconds: float = 2.0
    cap_seconds: float = 3_600.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based).

        "Equal jitter": half the exponential step is fixed, half random, so retries of
        many jobs spread out but none comes back sooner than half the step.
        """
        if attempt < 1:
            raise ValueError("attempt is 1-based")
        step = min(self.cap_seconds, self.base_seconds * 2.0 ** (attempt - 1))
        r = (rng or random).random()
        return step / 2 + r * step / 2

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
