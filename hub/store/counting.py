"""Counting documents the portable way: a `[$match, $count]` aggregation.

`count_documents` (and Beanie's `.count()`) is O(N) on the embedded store (docs/storage.md).
`$count` over no documents yields no row on MongoDB but `{n: 0}` on nx-27017; this
helper reads both as 0, so callers never see the difference.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection


async def count(coll: AsyncCollection, match: dict[str, Any]) -> int:
    """How many documents of `coll` match `match` (the filter must include the tenant)."""
    rows = await (await coll.aggregate([{"$match": match}, {"$count": "n"}])).to_list()
    return int(rows[0]["n"]) if rows else 0
