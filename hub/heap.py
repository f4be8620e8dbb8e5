"""The garbage collector of a long-running server process, settled once it is built.

CPython's cyclic collector walks every tracked object of the generations it collects.
A built hub holds some 400,000 long-lived objects (modules, the GraphQL schema,
pydantic and strawberry types) that will never be garbage, and every full collection
walked them all: counted under load in the story-by-id benchmark, 7 full collections
of about 0.5 s each and some 3.5 s of collector time in total. `settle()` collects
once and freezes what is there (`gc.freeze`: moved to a permanent generation the
collector no longer walks), and makes the young generation larger, so most of a
request's short-lived objects are freed by reference counting before a collection
looks at them.

Serving then builds more long-lived objects: the remembered read model (documents, the
GraphQL objects built from them, their completed selections: some 40 objects a story,
hub/store/published.py) grows by tens of thousands of objects a second on cold reads.
Left to the collector, each of them was walked again by an older collection: a middle
one every ten young ones (65-200 ms of CPU each, in-process), a full one, walking the
whole remembered model, as it grew by a quarter. Those pauses stop every request of the
process at once: they were the p99 of the cold read rows. A request itself leaves no
cyclic garbage (hub/graphql/acyclic.py), so what survives a young collection is nearly
always long-lived or still in use; `settle()` therefore also freezes the survivors of
every collection (`keep_frozen`): the older generations stay empty and each pause is
one young generation's walk. A frozen object is still freed by reference counting when
its last reference goes (an evicted document, a finished request). A reference cycle
frozen while alive and dropped later is not; on the read path there were none (3,000
stories by id and 3,000 column pages, 32 at a time), but an error's traceback, say, can
make one. So every `SWEEP_SECONDS` the running app (`sweeping`, in its lifespan) walks
everything once more (`sweep`: unfreeze, collect, freeze): one full collection's pause
(a few hundred ms with a full read model) every ten minutes instead of one whenever the
older generation had grown by a quarter.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

from hub.shutdown import cancel_and_wait

#: allocations (less deallocations) before a young-generation collection; CPython's is 700
YOUNG_THRESHOLD = 20_000
#: seconds between sweeps of what was frozen while serving (see the module doc)
SWEEP_SECONDS = 600.0


def settle(young_threshold: int = YOUNG_THRESHOLD, keep_frozen: bool = True) -> None:
    """Collect once, freeze the survivors and raise the young threshold (call once the
    process is built, before it serves); with `keep_frozen`, also freeze what survives
    each later collection."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(young_threshold, older, oldest)
    if keep_frozen and freeze_survivors not in gc.callbacks:
        gc.callbacks.append(freeze_survivors)


def freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    """A `gc.callbacks` entry: once a collection ends, what it left is frozen."""
    if phase == "stop":
        gc.freeze()


def sweep() -> int:
    """Walk everything frozen once more: the cycles frozen while alive and dropped since are
    freed, the survivors frozen again. Returns what the collection freed."""
    gc.unfreeze()
    try:
        return gc.collect()
    finally:
        gc.freeze()


@contextlib.asynccontextmanager
async def sweeping(interval: float = SWEEP_SECONDS) -> AsyncIterator[None]:
    """While the block runs, `sweep()` every `interval` seconds in a process that freezes
    its survivors (`settle`: a serving process; nothing elsewhere, e.g. in tests)."""

    async def every() -> None:
        while True:
            await asyncio.sleep(interval)
            if freeze_survivors in gc.callbacks:
                sweep()

    task = asyncio.create_task(every())
    try:
        yield
    finally:
        await cancel_and_wait(task)


def unsettle() -> None:
    """Undo `settle` (tests): everything frozen is walked again, survivors no longer frozen."""
    if freeze_survivors in gc.callbacks:
        gc.callbacks.remove(freeze_survivors)
    gc.unfreeze()
