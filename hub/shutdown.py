"""Stopping the hub cleanly when a terminal, systemd or Docker asks it to.

uvicorn shuts down on SIGTERM and then re-raises the signal; with the default action
that kills the process before `hub.runtime.store_for` stops the embedded store (it was
left to the parent-death signal, and its record file stayed behind). Here SIGTERM
raises an exception instead, so every `with` block unwinds and the command exits 0.

The stop has one budget, `budget(grace)` seconds from the signal, in three phases that
follow each other:

1. requests in flight: `grace` (RONGHUB_SHUTDOWN_GRACE_SECONDS), then they are cut off
   (uvicorn's graceful-shutdown timeout);
2. background work (the app's lifespan end: job worker, pollers, the store client):
   BACKGROUND_SECONDS, shared by all of it (`stopping_within`): work in progress may
   finish during the first half; then store calls are cut off by closing the client
   without waiting for the store, and what still runs is cancelled until the end;
3. the embedded store: SIGTERM, SIGKILL after STORE_STOP_SECONDS.

No phase waits for a store call's timeout (RONGHUB_STORE_TIMEOUT_SECONDS). EXIT_MARGIN_SECONDS
covers the interpreter's exit and the phases' own overshoot. Should anything still hold the
process at the end of the budget, `watch` ends it there: it logs `shutdown.overran`, kills
the embedded store and exits (a backstop: the phases above are meant to end in time).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import structlog

log = structlog.get_logger(__name__)

BACKGROUND_SECONDS = 2.0  # phase 2: background work after the requests (see the module doc)
STORE_STOP_SECONDS = 2.0  # phase 3: the embedded store's clean stop before it is killed
EXIT_MARGIN_SECONDS = 1.0  # the interpreter's exit, threads joined, scheduling


def budget(grace: float) -> float:
    """Seconds from SIGTERM until the hub's process has ended, with `grace` for requests
    (RONGHUB_SHUTDOWN_GRACE_SECONDS): 10 s with the default 5 s grace. An orchestrator's
    own stop timeout should be longer (Docker's default is 10 s: docs/operations.md)."""
    return grace + BACKGROUND_SECONDS + STORE_STOP_SECONDS + EXIT_MARGIN_SECONDS


# ---- phase 2: background work shares one deadline ------------------------------------

_phase: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "shutdown_phase", default=None
)


@contextlib.contextmanager
def stopping_within(seconds: float) -> Iterator[tuple[float, float]]:
    """Background tasks ended in this block (`cancel_and_wait`) share one deadline,
    `seconds` from now: work may finish on its own until the half (the cut-off, when
    the caller closes the store client), then it is cancelled until the deadline.
    Yields (cut-off, deadline) in event-loop time."""
    now = asyncio.get_running_loop().time()
    phase = (now + seconds / 2, now + seconds)
    token = _phase.set(phase)
    try:
        yield phase
    finally:
        _phase.reset(token)


# ---- the backstop ---------------------------------------------------------------------

_watch_lock = threading.Lock()
_watching = False
_on_overrun: list[Callable[[], None]] = []


def on_overrun(action: Callable[[], None]) -> Callable[[], None]:
    """Run `action` (e.g. kill the embedded store) if the stop overruns its budget; the
    returned function withdraws it."""
    _on_overrun.append(action)
    return lambda: _on_overrun.remove(action) if action in _on_overrun else None


def watch(seconds: float) -> None:
    """The stop has begun (the first SIGTERM/SIGINT): end this process `seconds` from now
    if it is still running then. Later calls change nothing."""
    global _watching
    with _watch_lock:
        if _watching:
            return
        _watching = True
    threading.Thread(
        target=_overrun_after, args=(seconds,), name="shutdown-watch", daemon=True
    ).start()


def _overrun_after(seconds: float) -> None:
    time.sleep(seconds)
    log.error("shutdown.overran", budget_seconds=seconds)
    for action in list(_on_overrun):
        with contextlib.suppress(Exception):
            action()
    os._exit(0)  # the stop was asked for and has happened; the log line says how


class Stopped(Exception):
    """SIGTERM arrived: unwind (stopping the embedded store on the way) and exit normally."""


def _raise_stopped(signum: int, frame: object) -> None:
    raise Stopped


@contextlib.contextmanager
def stop_cleanly_on_signals() -> Iterator[None]:
    """Run the body; SIGTERM or Ctrl-C end it like a normal return, after clean-up."""
    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        yield
    except (Stopped, KeyboardInterrupt):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


async def cancel_and_wait(
    task: asyncio.Task[Any], grace: float = 0.0, give_up_after: float = 5.0
) -> None:
    """End a background task: let it finish on its own for `grace` seconds, then cancel it
    until it is done, waiting at most `give_up_after` seconds more. Inside
    `stopping_within`, both end by its deadline: the grace at its first half at most.

    One `cancel()` is not enough: on Python 3.11 `asyncio.wait_for` can swallow a
    cancellation that arrives as its inner future completes, and PyMongo's server
    selection waits in such a `wait_for` in a loop. With the store gone, a polling task
    cancelled once at shutdown went on polling, and the hub ignored SIGTERM for good.
    """
    loop = asyncio.get_running_loop()
    phase = _phase.get()
    if phase is not None:
        grace = min(grace, phase[0] - loop.time())
    if grace > 0 and not task.done():
        await asyncio.wait({task}, timeout=grace)
    deadline = phase[1] if phase is not None else loop.time() + give_up_after
    while not task.done():
        task.cancel()
        remaining = deadline - loop.time()
        if remaining <= 0:
            log.warning("shutdown.task_abandoned", task=task.get_name())
            return
        await asyncio.wait({task}, timeout=min(0.1, remaining))
    if not task.cancelled() and task.exception() is not None:
        log.warning("shutdown.task_failed", task=task.get_name(), exc_info=task.exception())
