"""SIGTERM ends the hub's commands like a normal return, after their clean-up ran."""

from __future__ import annotations

import os
import signal
import time

from hub.shutdown import stop_cleanly_on_signals


def test_sigterm_unwinds_the_body_and_returns_normally() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned_up = reached_end = False
    with stop_cleanly_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # interrupted by the signal handler long before this ends
            reached_end = True
        finally:
            cleaned_up = True
    assert cleaned_up and not reached_end
    assert signal.getsignal(signal.SIGTERM) == before


def test_ctrl_c_is_a_normal_return_too() -> None:
    with stop_cleanly_on_signals():
        raise KeyboardInterrupt
