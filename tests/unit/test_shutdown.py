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


async def test_a_task_that_swallows_a_cancel_is_cancelled_again_until_it_ends() -> None:
    import asyncio

    from hub.shutdown import cancel_and_wait

    swallowed = 0

    async def poll_like_pymongo_on_python_3_11() -> None:
        # asyncio.wait_for on 3.11 can lose a cancel that lands as its inner wait ends;
        # PyMongo's server selection loops over such waits while the store is away.
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                if swallowed < 3:
                    swallowed += 1
                    asyncio.current_task().uncancel()  # type: ignore[union-attr]
                    continue
                raise

    task = asyncio.create_task(poll_like_pymongo_on_python_3_11())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait(task), 5)
    assert task.cancelled() and swallowed == 3


async def test_a_task_that_never_ends_is_given_up_on_after_the_bound() -> None:
    import asyncio

    from hub.shutdown import cancel_and_wait

    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait(task, give_up_after=0.3), 5)  # returns; the hub can exit
    assert not task.done()
    released.set()  # leave nothing running behind the test
    await task
