"""The server process's collector settings (hub/heap.py)."""

from __future__ import annotations

import gc

from hub import heap


def test_settle_freezes_what_exists_and_raises_the_young_threshold() -> None:
    threshold = gc.get_threshold()
    survivor = {"built": "before serving"}
    try:
        heap.settle(young_threshold=12_345)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (12_345, threshold[1], threshold[2])
        assert all(o is not survivor for o in gc.get_objects())  # frozen: no generation walks it
        # a cycle made afterwards is still found and freed
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
