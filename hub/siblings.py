"""What the API worker processes of one `ronghub serve` share (hub/workers.py starts them).

With RONGHUB_API_WORKERS above 1 the supervising process makes one block of shared
memory before it starts the workers, and each worker installs it first thing:

- `pids`: each worker's pid once it serves (0 while it starts or after it died), so
  /readyz of any worker answers ready only while all of them serve;
- `store`: the embedded store supervisor's state, restarts and failures, mirrored by
  the supervising process (the supervisor object lives there), for /readyz and /healthz;
- `changes`: one counter per topic, moved by a worker after it changed something that
  other workers hold in memory. A worker compares the counter with the value it saw at
  its last re-read and re-reads from the store when it moved (the read cache's
  generations: hub/readcache.py; revocations and ended sessions: hub/identity/state.py,
  which looks every `SIBLING_LOOK_SECONDS`). The store stays the truth; the counter only says
  "look now" instead of waiting for the next poll, so a publish through one worker is
  seen at once by a reader on another.

In a single process (tests, `create_app`, one worker) nothing is installed: `announce`
does nothing and `seen` is always 0, so the code that uses them runs unchanged.
"""

from __future__ import annotations

import os
from typing import Any

from hub.embedded.supervisor import StoreState

#: What a worker can announce to its siblings.
TOPICS = ("read_model", "auth")
_STORE_STATES = list(StoreState)


class Shared:
    """The block for `count` workers, made with a multiprocessing context (spawn) before
    the workers start; passed to each worker as an argument of its process."""

    def __init__(self, count: int, ctx: Any) -> None:
        self.count = count
        self.pids = ctx.Array("q", count, lock=False)
        # the store's state (index in StoreState, -1: no embedded store), restarts, failures
        self.store = ctx.Array("q", [-1, 0, 0], lock=False)
        self.changes = ctx.Array("q", len(TOPICS))  # with a lock: several workers move them

    # ---- the supervising process ----------------------------------------------------
    def mirror_store(self, supervisor: Any) -> None:
        """Copy the embedded store supervisor's state for the workers' health checks."""
        self.store[1] = supervisor.restarts
        self.store[2] = supervisor.failures
        self.store[0] = _STORE_STATES.index(supervisor.state)

    def down(self, index: int) -> None:
        self.pids[index] = 0

    # ---- the workers ------------------------------------------------------------------
    def up(self, index: int) -> None:
        self.pids[index] = os.getpid()

    def serving(self) -> int:
        return sum(1 for pid in self.pids if pid)


class StoreView:
    """The embedded store's supervisor as /readyz and /healthz read it (hub/rest/health.py),
    in a worker whose supervising process runs the store."""

    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    @property
    def state(self) -> StoreState:
        return _STORE_STATES[self._shared.store[0]]

    @property
    def restarts(self) -> int:
        return int(self._shared.store[1])

    @property
    def failures(self) -> int:
        return int(self._shared.store[2])


class Worker:
    """This process as one of the workers: its index (0 is the primary, which runs the
    job worker and writes the embedded search index) and the shared block."""

    def __init__(self, shared: Shared, index: int) -> None:
        self.shared = shared
        self.index = index
        self._changes = shared.changes.get_obj()  # unlocked reads: aligned 64-bit words

    @property
    def primary(self) -> bool:
        return self.index == 0

    def announce(self, topic: int) -> None:
        with self.shared.changes.get_lock():
            self.shared.changes[topic] += 1

    def seen(self, topic: int) -> int:
        return int(self._changes[topic])


_current: Worker | None = None
READ_MODEL = TOPICS.index("read_model")
AUTH = TOPICS.index("auth")  # revocations, ended sessions, clients changed (hub/identity/state.py)


def install(worker: Worker | None) -> None:
    """Make this process one of the workers (hub/workers.py; None: a process on its own)."""
    global _current
    _current = worker


def current() -> Worker | None:
    return _current


def announce(topic: int) -> None:
    """This process changed what `topic` stands for in the store: siblings look again."""
    if _current is not None:
        _current.announce(topic)


def seen(topic: int) -> int:
    """How often siblings announced `topic` so far (0 in a process on its own)."""
    return 0 if _current is None else _current.seen(topic)
