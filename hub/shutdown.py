"""Stopping the hub cleanly when a terminal, systemd or Docker asks it to.

uvicorn shuts down on SIGTERM and then re-raises the signal; with the default action
that kills the process before `hub.runtime.store_for` stops the embedded store (it was
left to the parent-death signal, and its record file stayed behind). Here SIGTERM
raises an exception instead, so every `with` block unwinds and the command exits 0.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


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
