import random

import pytest

from hub.domain.retry import RetryPolicy


def test_delays_grow_exponentially_with_jitter_and_stop_at_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_seconds=2, cap_seconds=60)
    rng = random.Random(7)
    for attempt in range(1, 10):
        step = min(60, 2 * 2 ** (attempt - 1))
        for _ in range(50):
            d = policy.delay(attempt, rng)
            assert step / 2 <= d <= step


def test_jitter_spreads_retries_of_many_jobs() -> None:
    policy = RetryPolicy()
    rng = random.Random(1)
    assert len({round(policy.delay(4, rng), 3) for _ in range(20)}) > 10


def test_attempts_are_exhausted_at_the_maximum() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert not policy.exhausted(2)
    assert policy.exhausted(3)
    with pytest.raises(ValueError):
        policy.delay(0)
