"""Keeping the embedded store up: notice when it dies, start it again, give up plainly.

The hub runs nx-27017 as a child process. If the child dies (killed, crashed, the OOM
killer), a watcher thread notices at once (it waits on the child), marks the store
`restarting` (/readyz answers 503), and starts it again on the same data folder and
the same port, so the hub's open client simply finds it again: requests waiting for
the store then succeed, those that time out get STORE_UNAVAILABLE. Restarts back off
(first `first_delay`, doubling up to `max_delay`); after `limit` failed restarts in a
row the store is `failed` and /healthz answers 503, so an orchestrator restarts the
whole hub (the watcher keeps trying at `max_delay` meanwhile). A store that stays up
for `stable_after` seconds clears the count. `stop()` ends all of it within its
`timeout` (hub/shutdown.py STORE_STOP_SECONDS) whatever the state, so SIGTERM is
honoured while the store is down.

A store can also hang while alive (stopped, deadlocked, stuck in a loop): the process
is there, so waiting on it notices nothing, and every request would wait for its
timeout forever after. A prober thread pings the running store every `probe_every`
seconds; after `probe_misses` unanswered pings in a row (each allowed `probe_timeout`)
it kills the store with SIGKILL, and the watcher restarts it as above. The bar is high
on purpose (30 s without a single answer by default): a store merely busy with a long
sort still answers a ping in between.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import structlog

from hub.embedded.store import EmbeddedStore, EmbeddedStoreError
from hub.shutdown import STORE_STOP_SECONDS

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RestartPolicy:
    """When to restart a dead store and when to give up. No I/O."""

    limit: int = 5
    first_delay: float = 0.5
    max_delay: float = 10.0
    stable_after: float = 60.0
    probe_every: float = 10.0  # 0: no probing
    probe_timeout: float = 10.0
    probe_misses: int = 3

    def delay(self, attempt: int) -> float:
        """Seconds to wait before restart number `attempt` (1-based) of a row."""
        return min(self.max_delay, self.first_delay * 2 ** max(0, attempt - 1))


class StoreState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    FAILED = "failed"  # `limit` restarts in a row did not bring it back: /healthz fails
    STOPPED = "stopped"


class StoreSupervisor:
    """Start the embedded store and keep it running until `stop()`.

    `clock` and `wait` are injectable so tests decide time: `wait(seconds)` sleeps and
    returns True if the supervisor is being stopped meanwhile.
    """

    def __init__(
        self,
        store: EmbeddedStore,
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
        probe: Callable[[], bool] | None = None,
        probe_wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.store = store
        self.policy = policy or RestartPolicy()
        self.clock = clock
        self._stopping = threading.Event()
        self._wait = wait or self._stopping.wait
        self._probe = probe or (lambda: bool(self.store.ping(self.policy.probe_timeout)))
        self._probe_wait = probe_wait or self._stopping.wait
        self._prober: threading.Thread | None = None
        self.hangs = 0  # hung stores killed (for a restart) since the hub started
        self._lock = threading.Lock()  # start and stop of the child never overlap
        self._thread: threading.Thread | None = None
        self._up_since = 0.0
        self.state = StoreState.STARTING
        self.failures = 0  # restarts in a row (reset once the store has stayed up)
        self.restarts = 0  # successful restarts since the hub started
        self.last_exit: int | None = None
        self.changed = threading.Condition(
            threading.RLock()
        )  # notified on every state change (tests wait on it)

    @property
    def uri(self) -> str:
        return self.store.uri

    def start(self) -> str:
        """Start the store (in the caller's thread, errors raised) and watch it."""
        with self._lock:
            uri = self.store.start()
        self._up_since = self.clock()
        self._set(StoreState.RUNNING)
        self._thread = threading.Thread(
            target=self._watch, name="embedded-store-supervisor", daemon=True
        )
        self._thread.start()
        if self.policy.probe_every > 0:
            self._prober = threading.Thread(
                target=self._probe_loop, name="embedded-store-prober", daemon=True
            )
            self._prober.start()
        return uri

    def stop(self, timeout: float = STORE_STOP_SECONDS) -> None:
        """Stop watching and stop the store (killed if it has not ended within `timeout`);
        returns within about `timeout` seconds. A restart under way gives up at once (it
        watches `_stopping`); the threads are daemons, joined until the same deadline: a
        ping in progress (up to `probe_timeout`) is not waited for past it."""
        deadline = time.monotonic() + timeout
        self._stopping.set()
        with self._lock:
            self.store.stop(timeout=max(0.0, deadline - time.monotonic()))
        for thread in (self._thread, self._prober):
            if thread is not None and thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()) + 0.1)
        self._set(StoreState.STOPPED)

    def __enter__(self) -> StoreSupervisor:
        try:
            self.start()
        except BaseException:  # e.g. SIGTERM while waiting for it: do not leave it running
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- the watcher thread -------------------------------------------------------

    def _set(self, state: StoreState) -> None:
        with self.changed:
            self.state = state
            self.changed.notify_all()

    def _watch(self) -> None:
        while not self._stopping.is_set():
            code = self.store.wait()
            if self._stopping.is_set():
                return
            self.last_exit = code
            if self.clock() - self._up_since >= self.policy.stable_after:
                self.failures = 0
            log.error("embedded_store.died", exit_code=code, pid=self.store.pid, restarting=True)
            self._set(
                StoreState.RESTARTING if self.state != StoreState.FAILED else StoreState.FAILED
            )
            if not self._restart():
                return

    def _restart(self) -> bool:
        """Start the store again, with backoff, until it runs (True) or we stop (False)."""
        port = self.store.port
        while True:
            self.failures += 1
            if self.failures > self.policy.limit and self.state != StoreState.FAILED:
                log.critical(
                    "embedded_store.gave_up",
                    failures=self.failures - 1,
                    data_dir=str(self.store.data_dir),
                )
                self._set(StoreState.FAILED)
            if self._wait(self.policy.delay(min(self.failures, self.policy.limit + 1))):
                return False
            with self._lock:
                if self._stopping.is_set():
                    return False
                try:
                    self.store.start(port=port, abort=self._stopping.is_set)
                except EmbeddedStoreError as exc:
                    if self._stopping.is_set():
                        return False
                    log.error(
                        "embedded_store.restart_failed", attempt=self.failures, error=str(exc)[:500]
                    )
                    continue
            self._up_since = self.clock()
            log.warning(
                "embedded_store.restarted", attempt=self.failures, pid=self.store.pid, port=port
            )
            with self.changed:
                self.restarts += 1
                self._set(StoreState.RUNNING)
            return True

    # ---- the prober thread --------------------------------------------------------

    def _probe_loop(self) -> None:
        misses = 0
        while not self._probe_wait(self.policy.probe_every):
            if self.state != StoreState.RUNNING or self._probe():
                misses = 0
                continue
            misses += 1
            log.warning("embedded_store.unanswered", misses=misses, pid=self.store.pid)
            if misses < self.policy.probe_misses:
                continue
            misses = 0
            with self._lock:  # never while a restart is starting a new child
                if self._stopping.is_set():
                    return
                log.error("embedded_store.hung", pid=self.store.pid, killing=True)
                self.store.kill()
            with self.changed:
                self.hangs += 1
                self.changed.notify_all()
