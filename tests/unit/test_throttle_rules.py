"""The sign-in throttle's rules as plain code: free failures, growing delays, the
per-name ceiling, the exemption of an address the user signed in from, forgetting."""

from __future__ import annotations

from hub.identity.throttle_rules import Counter, Policy, delay, wait_seconds

POLICY = Policy(
    free_per_address=5,
    free_per_name=100,
    base_seconds=1,
    max_seconds=900,
    forget_seconds=86_400,
    known_address_seconds=30 * 86_400,
)
NOW = 1_800_000_000.0


def test_the_first_failures_are_free_then_each_one_doubles_the_delay_up_to_the_cap() -> None:
    assert [delay(n, 5, POLICY) for n in range(4, 10)] == [0, 1, 2, 4, 8, 16]
    assert delay(30, 5, POLICY) == 900
    assert delay(10_000, 5, POLICY) == 900  # no overflow however many


def test_the_wait_counts_from_the_last_failure() -> None:
    pair = Counter(failures=7, last_failure=NOW - 1)
    assert wait_seconds(pair, Counter(), NOW, POLICY) == 3  # 4 s after the 7th failure, 1 s gone
    assert wait_seconds(pair, Counter(), NOW + 3, POLICY) == 0


def test_failures_from_other_addresses_only_count_past_the_far_higher_name_ceiling() -> None:
    fresh_pair = Counter()
    assert wait_seconds(fresh_pair, Counter(failures=99, last_failure=NOW), NOW, POLICY) == 0
    assert wait_seconds(fresh_pair, Counter(failures=101, last_failure=NOW), NOW, POLICY) == 2


def test_an_address_the_user_signed_in_from_recently_is_not_held_by_the_name_ceiling() -> None:
    name = Counter(failures=500, last_failure=NOW)
    known = Counter(last_success=NOW - 86_400)
    assert wait_seconds(known, name, NOW, POLICY) == 0
    long_ago = Counter(last_success=NOW - 31 * 86_400)
    assert wait_seconds(long_ago, name, NOW, POLICY) == 900
    # but its own failures still count
    assert (
        wait_seconds(
            Counter(failures=6, last_failure=NOW, last_success=NOW - 60), name, NOW, POLICY
        )
        == 2
    )


def test_failures_older_than_the_forget_time_no_longer_count() -> None:
    old = Counter(failures=50, last_failure=NOW - 86_401)
    assert wait_seconds(old, old, NOW, POLICY) == 0
