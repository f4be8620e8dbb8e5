"""The retry schedule and the reading of receivers' answers, as plain code."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from hub.feeds.webhooks.schedule import (
    STANDARD_SCHEDULE_S,
    Outcome,
    RetrySchedule,
    Verdict,
    classify,
    next_wait,
    parse_retry_after,
)

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def test_standard_schedule_is_the_specs() -> None:
    assert STANDARD_SCHEDULE_S == (0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
    exact = RetrySchedule(jitter=0)
    assert [exact.delay_after(n) for n in range(1, 8)] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert exact.delay_after(8) is None  # eight attempts, then give up
    assert exact.attempts == 8
    with pytest.raises(ValueError):
        exact.delay_after(0)


def test_jitter_stays_within_ten_percent_and_spreads() -> None:
    schedule = RetrySchedule()
    rng = random.Random(7)
    waits = [schedule.delay_after(2, rng) for _ in range(200)]
    assert all(w is not None and 270 <= w <= 330 for w in waits)
    assert len({round(w or 0) for w in waits}) > 20


def test_schedule_is_configurable_and_validated() -> None:
    fast = RetrySchedule.of([0, 0.1, 0.2], jitter=0)
    assert (fast.delay_after(1), fast.delay_after(2), fast.delay_after(3)) == (0.1, 0.2, None)
    with pytest.raises(ValueError):
        RetrySchedule.of([])
    with pytest.raises(ValueError):
        RetrySchedule.of([0, -1])


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (410, Verdict.GONE),
        (429, Verdict.THROTTLED),
        (500, Verdict.THROTTLED),
        (503, Verdict.THROTTLED),
        (400, Verdict.FAILED),
        (401, Verdict.FAILED),
        (404, Verdict.FAILED),
        (301, Verdict.FAILED),
        (None, Verdict.FAILED),
    ],
)
def test_classify(status: int | None, verdict: Verdict) -> None:
    assert classify(status).verdict is verdict


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(format_datetime(NOW + timedelta(seconds=90), usegmt=True), NOW) == 90
    assert parse_retry_after(format_datetime(NOW - timedelta(seconds=90), usegmt=True), NOW) == 0
    assert parse_retry_after("10000000") == 86_400
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert classify(503, "7").retry_after_s == 7


def test_retry_after_is_a_lower_bound_never_a_shortcut() -> None:
    exact = RetrySchedule(jitter=0)
    assert next_wait(exact, 1, Outcome(Verdict.THROTTLED, 60)) == 60  # asked for more than 5 s
    assert next_wait(exact, 3, Outcome(Verdict.THROTTLED, 60)) == 1800  # schedule is longer
    assert next_wait(exact, 1, Outcome(Verdict.FAILED)) == 5
    assert next_wait(exact, 8, Outcome(Verdict.THROTTLED, 1)) is None
