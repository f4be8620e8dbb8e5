"""The hub's clock seam (hub/clock.py): what tests move instead of sleeping."""

from __future__ import annotations

import pytest

from hub import clock
from hub.clock import SteppedClock, using
from hub.ids import now_ms
from hub.wenzheng.clock import SYSTEM


def test_the_installed_clock_is_what_the_hub_reads_and_the_wall_comes_back_after() -> None:
    wall_before = clock.WALL.now_ms()
    with using(SteppedClock()) as stepped:
        stepped.advance(3_600_000)
        assert now_ms() >= wall_before + 3_600_000  # hub.ids.now_ms: the store's times
        assert SYSTEM.now_ms() >= wall_before + 3_600_000  # 问政's default clock follows it
    assert clock.installed() is clock.WALL
    assert now_ms() < wall_before + 3_600_000


def test_a_stepped_clock_only_moves_forward() -> None:
    stepped = SteppedClock()
    start = stepped.now_ms()
    stepped.advance_to(start - 60_000)  # a time already past: nothing to do
    assert stepped.offset_ms == 0
    stepped.advance_to(start + 60_000)
    assert stepped.now_ms() >= start + 60_000 and 0 < stepped.offset_ms <= 60_000
    with pytest.raises(ValueError):
        stepped.advance(-1)


def test_the_clock_is_restored_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), using(SteppedClock()):
        raise RuntimeError("boom")
    assert clock.installed() is clock.WALL
