"""The embedded store's supervisor: restart a dead store with backoff, give up plainly.

A fake store stands in for nx-27017 (its death is an event the test sets); time is the
test's: waits are recorded, not slept, and the clock is a number the test moves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.embedded.store import EmbeddedStoreError
from hub.embedded.supervisor import RestartPolicy, StoreState, StoreSupervisor

BOUND = 10.0  # generous bound for the watcher thread to react (conditions, not sleeps)


class FakeStore:
    """An EmbeddedStore's surface: start (maybe failing), wait until killed, stop."""

    def __init__(self, failing_starts: int = 0) -> None:
        self.data_dir = Path("/nonexistent/store/data")
        self.port: int | None = None
        self.pid: int | None = None
        self.failing_starts = failing_starts
        self.starts: list[int | None] = []  # the port each start asked for
        self.stopped = 0
        self._death = threading.Event()

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, port: int | None = None, abort: object = None) -> str:
        self.starts.append(port)
        if len(self.starts) > 1 and self.failing_starts > 0:
            self.failing_starts -= 1
            raise EmbeddedStoreError("the embedded store exited with code 1")
        self.port = port or 41234
        self.pid = 1000 + len(self.starts)
        self._death = threading.Event()
        return self.uri

    def kill(self) -> None:
        self._death.set()

    def wait(self) -> int | None:
        self._death.wait()
        return -9

    def stop(self, timeout: float = 10.0) -> None:  # as EmbeddedStore.stop
        self.stopped += 1
        self._death.set()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def until(supervisor: StoreSupervisor, predicate: object) -> None:
    with supervisor.changed:
        assert supervisor.changed.wait_for(predicate, BOUND), f"state stayed {supervisor.state}"  # type: ignore[arg-type]


@pytest.fixture
def waits() -> list[float]:
    return []


def supervised(
    store: FakeStore,
    waits: list[float],
    clock: Clock | None = None,
    states: list[StoreState] | None = None,
    **policy: float,
) -> StoreSupervisor:
    stopping = threading.Event()

    def wait(seconds: float) -> bool:  # record the backoff (and the state) instead of sleeping
        waits.append(seconds)
        if states is not None:
            states.append(sup.state)
        return stopping.is_set()

    sup = StoreSupervisor(store, RestartPolicy(**policy), clock=clock or Clock(), wait=wait)  # type: ignore[arg-type]
    original_stop = sup.stop

    def stop(timeout: float = 5.0) -> None:
        stopping.set()
        original_stop(timeout)

    sup.stop = stop  # type: ignore[method-assign]
    return sup


@pytest.fixture
def cleanup() -> Iterator[list[StoreSupervisor]]:
    started: list[StoreSupervisor] = []
    yield started
    for sup in started:
        sup.stop()


def test_a_dead_store_is_restarted_on_the_same_port(
    waits: list[float], cleanup: list[StoreSupervisor]
) -> None:
    store = FakeStore()
    sup = supervised(store, waits)
    cleanup.append(sup)
    sup.start()
    assert sup.state == StoreState.RUNNING and store.starts == [None]
    store.kill()
    until(sup, lambda: sup.restarts == 1)
    assert sup.state == StoreState.RUNNING
    assert store.starts == [None, 41234]  # the hub's open client finds it again
    assert waits == [0.5] and sup.last_exit == -9


def test_failed_restarts_back_off_then_fail_liveness_and_recover_later(
    waits: list[float], cleanup: list[StoreSupervisor]
) -> None:
    store = FakeStore(failing_starts=4)
    seen: list[StoreState] = []
    sup = supervised(store, waits, states=seen, limit=3, first_delay=1.0, max_delay=3.0)
    cleanup.append(sup)
    sup.start()
    store.kill()
    until(sup, lambda: sup.restarts == 1)
    # three failed restarts (1, 2, 3 s), then FAILED; it keeps trying at the longest wait
    assert waits == [1.0, 2.0, 3.0, 3.0, 3.0]
    assert seen == [StoreState.RESTARTING] * 3 + [StoreState.FAILED] * 2
    assert sup.state == StoreState.RUNNING  # the fifth try worked: live again
    assert len(store.starts) == 6


def test_a_store_that_stayed_up_long_enough_starts_its_count_afresh(
    waits: list[float], cleanup: list[StoreSupervisor]
) -> None:
    store = FakeStore()
    clock = Clock()
    sup = supervised(store, waits, clock, first_delay=1.0, stable_after=60.0)
    cleanup.append(sup)
    sup.start()
    store.kill()
    until(sup, lambda: sup.restarts == 1)
    store.kill()  # died again at once: the second restart waits longer
    until(sup, lambda: sup.restarts == 2)
    clock.now += 61  # then it ran for a minute
    store.kill()
    until(sup, lambda: sup.restarts == 3)
    assert waits == [1.0, 2.0, 1.0]


def test_stop_while_restarting_ends_promptly_and_starts_nothing() -> None:
    store = FakeStore()
    # the real wait: a long backoff that stop() must cut short
    sup = StoreSupervisor(store, RestartPolicy(first_delay=600.0))
    sup.start()
    store.kill()
    until(sup, lambda: sup.state == StoreState.RESTARTING)
    sup.stop(timeout=BOUND)
    assert sup._thread is not None and not sup._thread.is_alive()
    assert sup.state == StoreState.STOPPED
    assert store.starts == [None] and store.stopped == 1


def test_the_restart_delay_doubles_up_to_its_cap() -> None:
    policy = RestartPolicy(first_delay=0.5, max_delay=4.0)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


class Ticks:
    """The prober's waits: each `tick()` lets it probe once; `stop()` ends it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending = 0
        self._stopped = False
        self.taken = 0

    def wait(self, seconds: float) -> bool:
        with self._cond:
            self._cond.wait_for(lambda: self._pending > 0 or self._stopped)
            if self._stopped:
                return True
            self._pending -= 1
            self.taken += 1
            self._cond.notify_all()
            return False

    def tick(self, n: int = 1) -> None:
        with self._cond:
            self._pending += n
            self._cond.notify_all()
            assert self._cond.wait_for(lambda: self._pending == 0, BOUND)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


def probed(store: FakeStore, answers: list[bool], ticks: Ticks, **policy: float) -> StoreSupervisor:
    def probe() -> bool:
        return answers.pop(0) if answers else True

    sup = StoreSupervisor(
        store,
        RestartPolicy(probe_misses=3, first_delay=0, **policy),  # type: ignore[arg-type]
        clock=Clock(),
        wait=lambda s: False,
        probe=probe,
        probe_wait=ticks.wait,
    )
    original_stop = sup.stop

    def stop(timeout: float = 5.0) -> None:
        ticks.stop()
        original_stop(timeout)

    sup.stop = stop  # type: ignore[method-assign]
    return sup


def test_a_store_that_stops_answering_while_alive_is_killed_and_restarted(
    cleanup: list[StoreSupervisor],
) -> None:
    store, ticks = FakeStore(), Ticks()
    sup = probed(store, [False, False, False], ticks)
    cleanup.append(sup)
    sup.start()
    ticks.tick(2)  # two pings unanswered: not yet
    assert sup.hangs == 0 and store.starts == [None]
    ticks.tick()  # the third in a row: killed, and the watcher starts it again on its port
    until(sup, lambda: sup.hangs == 1 and sup.restarts == 1 and sup.state == StoreState.RUNNING)
    assert store.starts == [None, 41234]


def test_an_answer_between_missed_pings_starts_the_count_afresh(
    cleanup: list[StoreSupervisor],
) -> None:
    store, ticks = FakeStore(), Ticks()
    sup = probed(store, [False, False, True, False, False, True], ticks)
    cleanup.append(sup)
    sup.start()
    ticks.tick(8)
    assert sup.hangs == 0 and sup.restarts == 0 and store.starts == [None]


def test_probing_can_be_turned_off() -> None:
    store = FakeStore()
    sup = StoreSupervisor(store, RestartPolicy(probe_every=0), clock=Clock(), wait=lambda s: False)  # type: ignore[arg-type]
    sup.start()
    try:
        assert sup._prober is None
    finally:
        sup.stop()
