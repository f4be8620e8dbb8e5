"""The garbage collector of a long-running server process, settled once it is built.

CPython's cyclic collector walks every tracked object of the generations it collects.
A built hub holds some 400,000 long-lived objects (modules, the GraphQL schema,
pydantic and strawberry types) that will never be garbage, and every full collection
walked them all: counted under load in the story-by-id benchmark, 7 full collections
of about 0.5 s each and some 3.5 s of collector time in total. `settle()` collects
once and freezes what is there (`gc.freeze`: moved to a permanent generation the
collector no longer walks), and makes the young generation larger, so most of a
request's short-lived objects are freed by reference counting before a collection
looks at them. Cycles are still collected; only their detection runs less often.
"""

from __future__ import annotations

import gc

#: allocations (less deallocations) before a young-generation collection; CPython's is 700
YOUNG_THRESHOLD = 20_000


def settle(young_threshold: int = YOUNG_THRESHOLD) -> None:
    """Collect once, freeze the survivors and raise the young threshold (call once the
    process is built, before it serves)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(young_threshold, older, oldest)
