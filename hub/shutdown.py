"""Stopping the hub cleanly when a terminal, systemd or Docker asks it to.

uvicorn shuts down on SIGTERM and then re-raises the signal; with the default action
that kills the process before `hub.runtime.store_for` stops the embedded store (it was
left to the parent-death signal, and its record file stayed behind). Here SIGTERM
raises an exception instead, so every `with` block unwinds and the command exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from typing import Any

import structlog

log = structlog.get_logger(__name__)


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
    until it is done, waiting at most `give_up_after` seconds more.

    One `cancel()` is not enough: on Python 3.11 `asyncio.wait_for` can swallow a
    cancellation that arrives as its inner future completes, and PyMongo's server
    selection waits in such a `wait_for` in a loop. With the store gone, a polling task
    cancelled once at shutdown went on polling, and the hub ignored SIGTERM for good.
    """
    if grace > 0 and not task.done():
        await asyncio.wait({task}, timeout=grace)
    deadline = asyncio.get_running_loop().time() + give_up_after
    while not task.done():
        task.cancel()
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            log.warning("shutdown.task_abandoned", task=task.get_name())
            return
        await asyncio.wait({task}, timeout=min(0.1, remaining))
    if not task.cancelled() and task.exception() is not None:
        log.warning("shutdown.task_failed", task=task.get_name(), exc_info=task.exception())
