"""The server process's collector settings (hub/heap.py)."""

from __future__ import annotations

import gc
import weakref

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
        heap.unsettle()
        gc.set_threshold(*threshold)


def test_what_survives_a_later_collection_is_frozen_and_garbage_still_goes() -> None:
    threshold = gc.get_threshold()
    try:
        heap.settle()
        frozen = gc.get_freeze_count()
        kept = [["remembered", n] for n in range(1_000)]  # a cache growing while serving (tracked)
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect(0) >= 1  # the garbage cycle is freed ...
        assert gc.get_freeze_count() >= frozen + len(kept)  # ... and the survivors frozen
        assert gc.get_count() == (0, 0, 0)  # no generation left to walk
        kept_ids = {id(k) for k in kept}
        assert not any(id(o) in kept_ids for o in gc.get_objects())
        del kept  # frozen objects are still freed by reference counting
        assert gc.get_freeze_count() < frozen + 1_000
    finally:
        heap.unsettle()
        gc.set_threshold(*threshold)


def test_unsettle_stops_freezing_survivors() -> None:
    threshold = gc.get_threshold()
    try:
        heap.settle()
        heap.unsettle()
        assert heap.freeze_survivors not in gc.callbacks
        assert gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*threshold)


class _Node:
    """A tracked object with a weak reference, to see whether it is freed."""

    def __init__(self) -> None:
        self.me = self  # a reference cycle


def test_a_sweep_frees_a_cycle_frozen_while_alive_and_refreezes_the_rest() -> None:
    threshold = gc.get_threshold()
    try:
        heap.settle()
        kept = [["remembered", n] for n in range(100)]
        node = _Node()
        gone = weakref.ref(node)
        gc.collect(0)  # node is alive: frozen with the survivors
        del node
        gc.collect()
        assert gone() is not None  # frozen: no collection sees it
        assert heap.sweep() >= 1
        assert gone() is None  # the sweep walked it and freed it
        kept_ids = {id(k) for k in kept}
        assert gc.get_freeze_count() > 0
        assert not any(id(o) in kept_ids for o in gc.get_objects())  # frozen again
    finally:
        heap.unsettle()
        gc.set_threshold(*threshold)
