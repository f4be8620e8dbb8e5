"""When a sign-in may be tried again: growing delays after failed attempts (plain rules, no I/O).

Instead of locking an account after N failures (which lets anyone lock anyone out with
N requests), failed attempts earn delays. Two counters hold per sign-in name (a
username, or a client_id):

- per (name, address): `free_per_address` failures are free, then each further
  attempt from that address waits base, 2·base, 4·base … up to `max_seconds`;
- per name from every address together: the same growth, but only after
  `free_per_name` failures (far more), so guessing spread over many addresses is
  bounded too. An address the name signed in from successfully within
  `known_address_seconds` is exempt from this ceiling: someone hammering the name from
  elsewhere does not keep the real user out at their usual address.

A counter whose last failure is older than `forget_seconds` starts again; a success
resets the (name, address) counter, not the name's (it only decays), so an attacker
gains no free guesses from the real user's sign-ins. Refused attempts are not counted:
a flood does not extend the wait. Unknown names are counted exactly like real ones,
so the answers never tell which names exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Policy:
    free_per_address: int = 5
    free_per_name: int = 100
    base_seconds: float = 1.0
    max_seconds: float = 900.0
    forget_seconds: float = 86_400.0
    known_address_seconds: float = 30 * 86_400.0


@dataclass(frozen=True, slots=True)
class Counter:
    """Failures counted for a key; times in seconds (0: never)."""

    failures: int = 0
    last_failure: float = 0.0
    last_success: float = 0.0


def live_failures(counter: Counter, now: float, policy: Policy) -> int:
    """The failures that still count (none once the last one is older than forget_seconds)."""
    return counter.failures if now - counter.last_failure < policy.forget_seconds else 0


def delay(failures: int, free: int, policy: Policy) -> float:
    """How long after the last of `failures` failures the next attempt must wait."""
    if failures < free:
        return 0.0
    return min(policy.max_seconds, policy.base_seconds * 2.0 ** min(failures - free, 60))


def blocked_until(counter: Counter, free: int, now: float, policy: Policy) -> float:
    """When the counter lets the next attempt through (<= now: at once)."""
    failures = live_failures(counter, now, policy)
    return counter.last_failure + delay(failures, free, policy) if failures else 0.0


def known_address(pair: Counter, now: float, policy: Policy) -> bool:
    return pair.last_success > 0 and now - pair.last_success < policy.known_address_seconds


def wait_seconds(pair: Counter, name: Counter, now: float, policy: Policy) -> int:
    """Whole seconds the next attempt of this name from this address must wait (0: go)."""
    until = blocked_until(pair, policy.free_per_address, now, policy)
    if not known_address(pair, now, policy):
        until = max(until, blocked_until(name, policy.free_per_name, now, policy))
    return max(0, math.ceil(until - now))
