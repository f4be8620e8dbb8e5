"""hub/group_commit.py: requests that arrive during a turn are taken together by the next."""

from __future__ import annotations

import asyncio

import pytest

from hub.group_commit import Turns


async def test_requests_arriving_during_a_turn_go_together_in_the_next() -> None:
    turns: Turns[int] = Turns()
    taken: list[list[int]] = []
    release = asyncio.Event()

    async def take(batch: list[int]) -> None:
        taken.append(list(batch))
        if len(taken) == 1:
            await release.wait()

    def fail(batch: list[int], exc: BaseException) -> None:
        raise AssertionError(f"no turn fails here: {exc!r}")

    turns.join(1, take, fail)
    await asyncio.sleep(0)  # the first turn starts and waits at the "store"
    for n in (2, 3, 4):
        turns.join(n, take, fail)
    release.set()
    running = turns.running
    assert running is not None
    await running
    assert taken == [[1], [2, 3, 4]]
    assert turns.running is None and turns.waiting == []


async def test_a_failed_turn_is_told_to_its_callers_and_the_next_turn_still_runs() -> None:
    turns: Turns[int] = Turns()
    failed: list[tuple[list[int], str]] = []
    taken: list[list[int]] = []
    release = asyncio.Event()

    async def take(batch: list[int]) -> None:
        if batch == [1]:
            await release.wait()
            raise OSError("store away")
        taken.append(list(batch))

    turns.join(1, take, lambda b, e: failed.append((list(b), str(e))))
    await asyncio.sleep(0)
    turns.join(2, take, lambda b, e: failed.append((list(b), str(e))))
    release.set()
    running = turns.running
    assert running is not None
    await running
    assert failed == [([1], "store away")] and taken == [[2]]


async def test_a_cancelled_turn_fails_its_batch_and_the_waiting_ones() -> None:
    turns: Turns[int] = Turns()
    failed: list[int] = []

    async def take(batch: list[int]) -> None:
        await asyncio.Event().wait()  # never answers

    turns.join(1, take, lambda b, e: failed.extend(b))
    await asyncio.sleep(0)
    turns.join(2, take, lambda b, e: failed.extend(b))
    running = turns.running
    assert running is not None
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert sorted(failed) == [1, 2]
    assert turns.running is None and turns.waiting == []
