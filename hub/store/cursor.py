"""Opaque Relay cursors over an indexed sort key plus `_id` as tie-breaker, and the
keyset page query that reads after one.

The embedded store (nx-27017 on SQLite) uses a compound index only when every
equality in the filter is written `{"$eq": v}` (a plain `{f: v}` also matches array
elements, which it translates into a sub-query that no index serves) and when the
filter has no `$or` and no range on `_id`. Measured over 10,000 stories: a column page
took 126 ms with plain equalities and 2.3 ms with `$eq`; the `$or` cursor filter took
580-720 ms. So `page_after` reads a page after a cursor with index-served queries: one
range up to and including the cursor's key value (skipping, here, the tie group's
documents at or above the cursor's id), and only when that tie group is larger than a
few documents, the rest of the tie group (same key value, filtered by `_id` here) and
then everything strictly below the key value. All are plain MongoDB, so the
production path is unchanged in meaning.

Pages read whole documents on purpose: nx-27017 applies a projection in Python after
reading the whole document, so leaving out the body made it dearer (a page of 25 at
10,000 stories: 3.4 ms of store CPU whole, 5.4 ms without body and outbox, 4.9 ms with
only the list fields), while the hub's decoding saved little (1.33 against 1.14 ms).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from beanie import Document
from beanie.odm.enums import SortDirection

from hub.errors import HubError, invalid
from hub.store.coalesce import find_shared


def encode(key: str, value: Any, doc_id: str) -> str:
    if type(value) is int and _plain(key) and _plain(doc_id):
        # what json.dumps writes for these (a page encodes 20: json.dumps took half its time)
        raw = f'["{key}",{value},"{doc_id}"]'
    else:
        raw = json.dumps([key, value, doc_id], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _plain(text: str) -> bool:
    """Letters, digits and `_` only (ASCII): JSON writes them as they are."""
    return text.isascii() and text.replace("_", "a").isalnum()


def _invalid(field: str = "after") -> HubError:
    return invalid(
        field, "翻页游标无效,请从第一页重新开始", "invalid cursor; start again from the first page"
    )


def decode(cursor: str, key: str, field: str = "after") -> tuple[Any, str]:
    """The (value, id) a cursor of `key` points at; a clear INVALID_INPUT on `field` if tampered."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        k, value, doc_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, RecursionError) as exc:  # RecursionError: "[[[[..." payloads
        raise _invalid(field) from exc
    # The value goes into the query as is: only a plain scalar may come back (a tampered
    # object such as {"$ne": null} would be read as an operator).
    if (
        not isinstance(value, int | float | str)
        or isinstance(value, bool)
        or not isinstance(doc_id, str)
    ):
        raise _invalid(field)
    if k != key:
        raise invalid(
            field,
            "翻页游标与排序方式不符,请从第一页重新开始",
            "the cursor belongs to another ordering",
        )
    return value, doc_id


def after_filter(key: str, value: Any, doc_id: str) -> dict[str, Any]:
    """Documents strictly after (value, id) in descending (key, _id) order (one filter;
    `page_after` reads the same set with two index-served queries)."""
    return {"$or": [{key: {"$lt": value}}, {key: value, "_id": {"$lt": doc_id}}]}


def eq(value: Any) -> dict[str, Any]:
    """An equality the embedded store can answer from an index (see the module doc)."""
    return {"$eq": value}


def within(window: dict[str, Any], value: Any) -> bool:
    """Whether `value` satisfies a range filter of `$gt`/`$gte`/`$lt`/`$lte` bounds."""
    try:
        return (
            ("$gt" not in window or value > window["$gt"])
            and ("$gte" not in window or value >= window["$gte"])
            and ("$lt" not in window or value < window["$lt"])
            and ("$lte" not in window or value <= window["$lte"])
        )
    except TypeError:  # a cursor value of another type than the bounds: no document has it
        return False


#: A page after a cursor reads this many more than it needs, to step over the part of the
#: cursor's tie group at or above the cursor in the same query: the cursor's own document,
#: as a rule (keys are millisecond times). Every document read costs the embedded store
#: about 0.16 ms of CPU (a page of 20 read 25, now 22); a larger tie group takes the
#: tie query below.
RANGE_SLACK = 1

#: At most this many documents sharing one key value are read to resume inside them.
TIE_GROUP_MAX = 5_000


async def page_after(
    model: type[Document], q: dict[str, Any], key: str, after: str | None, limit: int
) -> list[Any]:
    """Up to `limit` documents of `q` in descending (key, _id) order after the cursor.

    `q` must not have `$or` at its top level if it is to use an index; a range on
    `key` in `q` (a time window) is kept and narrowed."""
    order = [(key, SortDirection.DESCENDING), ("_id", SortDirection.DESCENDING)]
    if after is None:
        return await find_shared(model, q, order, limit)
    value, doc_id = decode(after, key)
    current = q.get(key)
    window: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
    inside = within(window, value)
    if inside:
        # Usually the cursor's tie group is the cursor's own document: one range query up
        # to and including the key value reads it and what follows; what it must skip (the
        # tie group's part at or above the cursor's id) comes first. Only when more than
        # RANGE_SLACK documents had to be skipped is the tie group read on its own below.
        lower = {k: v for k, v in window.items() if k not in ("$lt", "$lte")}
        fetched = await find_shared(
            model, {**q, key: {**lower, "$lte": value}}, order, limit + RANGE_SLACK
        )
        docs = [d for d in fetched if not (getattr(d, key) == value and str(d.id) >= doc_id)]
        if len(docs) >= limit or len(fetched) < limit + RANGE_SLACK:
            return docs[:limit]
    docs = []
    if inside:
        # The equality alone: next to a range on the same key (the window, e.g. the
        # published-only `$gt: 0`) SQLite seeks on the range and reads the whole
        # column (47 ms against 0.9 ms at 10,000 stories). The window already holds.
        tie_q = {**q, key: {"$eq": value}}
        ties = await find_shared(model, tie_q, [("_id", SortDirection.DESCENDING)], TIE_GROUP_MAX)
        docs = [d for d in ties if str(d.id) < doc_id][:limit]
    if len(docs) < limit:
        below = window.get("$lt")
        rest_q = {**q, key: {**window, "$lt": value if below is None else min(below, value)}}
        docs += await find_shared(model, rest_q, order, limit - len(docs))
    return docs


async def page_before(
    model: type[Document], q: dict[str, Any], key: str, before: str | None, limit: int
) -> list[Any]:
    """Up to `limit` documents of `q` right before the cursor (the last `limit` without
    one), in descending (key, _id) order like every page: Relay's `last`/`before`.

    Read in ascending order from the cursor: the rest of its tie group (same key value,
    larger id), then everything strictly above the key value, both index-served."""
    ascending = [(key, SortDirection.ASCENDING), ("_id", SortDirection.ASCENDING)]
    if before is None:
        oldest: list[Any] = await find_shared(model, q, ascending, limit)
        return oldest[::-1]
    value, doc_id = decode(before, key, "before")
    current = q.get(key)
    window: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
    docs: list[Any] = []
    if within(window, value):
        tie_q = {**q, key: {"$eq": value}}
        ties = await find_shared(model, tie_q, [("_id", SortDirection.ASCENDING)], TIE_GROUP_MAX)
        docs = [d for d in ties if str(d.id) > doc_id][:limit]
    if len(docs) < limit:
        rest = dict(window)
        try:
            above_lower = all(b not in window or value >= window[b] for b in ("$gt", "$gte"))
        except TypeError:  # a cursor value of another type than the bounds: no document has it
            return docs[::-1]
        if above_lower:  # the cursor's value is then the strictest lower bound
            rest.pop("$gte", None)
            rest["$gt"] = value
        docs += await find_shared(model, {**q, key: rest}, ascending, limit - len(docs))
    return docs[::-1]
