"""Writing several new documents in one round trip.

A fan-out makes a publication and a delivery job per channel; one at a time that was
fourteen inserts for a story planned for seven channels. `insert_new` sends them as one
unordered `insert_many`, in which each document is refused on its own when its `_id` is
taken (an idempotent re-run) and the others go in (tests/contract/test_writes.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from beanie import Document
from pymongo.errors import BulkWriteError

D = TypeVar("D", bound=Document)


async def insert_new(model: type[D], docs: Sequence[D]) -> set[str]:
    """Insert `docs`, skipping those whose `_id` exists. Returns the ids that went in."""
    if not docs:
        return set()
    ids = [str(d.id) for d in docs]
    try:
        await model.insert_many(list(docs), ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors") or []
        if not errors or any(e.get("code") != 11000 for e in errors):
            raise
        taken = {ids[int(e["index"])] for e in errors}
        return {i for i in ids if i not in taken}
    return set(ids)
