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


async def test_tasks_ended_within_one_stop_share_its_deadline() -> None:
    # the hub's lifespan ends several background tasks one after the other: inside
    # stopping_within they share its deadline, not a give-up time each
    import asyncio

    from hub.shutdown import cancel_and_wait, stopping_within

    released = asyncio.Event()
    cancels = [0, 0]

    async def stubborn(n: int) -> None:
        while not released.is_set():
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                cancels[n] += 1

    first = asyncio.create_task(stubborn(0))
    second = asyncio.create_task(stubborn(1))
    await asyncio.sleep(0)
    with stopping_within(0.3) as (_, deadline):
        await asyncio.wait_for(cancel_and_wait(first, give_up_after=60), 5)
        assert asyncio.get_running_loop().time() >= deadline
        await asyncio.wait_for(cancel_and_wait(second, give_up_after=60), 5)
    assert not first.done() and not second.done()
    assert cancels[1] <= 1  # cancelled once, then given up on at once: the deadline had passed
    released.set()
    await asyncio.gather(first, second)


async def test_within_a_stop_the_grace_for_work_in_progress_ends_at_the_cut_off() -> None:
    import asyncio

    from hub.shutdown import cancel_and_wait, stopping_within

    finished = asyncio.Event()
    store_back = asyncio.Event()  # never set: a job pass stuck on a store that is away

    async def long_pass() -> None:
        await store_back.wait()
        finished.set()

    task = asyncio.create_task(long_pass())
    await asyncio.sleep(0)
    with stopping_within(0.4) as (cut_off, _):
        await asyncio.wait_for(cancel_and_wait(task, grace=3600), 5)
        assert asyncio.get_running_loop().time() >= cut_off
    assert task.cancelled() and not finished.is_set()


def test_the_stop_budget_is_the_grace_plus_five_seconds_as_documented() -> None:
    # README, docs/operations.md and the RONGHUB_SHUTDOWN_GRACE_SECONDS description say so
    from hub.shutdown import budget

    assert budget(5) == 10 and budget(0) == 5
