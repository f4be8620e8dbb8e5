"""Reads by id from concurrent requests, joined into one `$in` find (issue 15).

Every uncached story read pays a store round trip for the story and one for its cover;
on the embedded store a round trip costs about 1 ms of its CPU whatever it reads (wire
decoding, a thread hop, the answer's encoding), and about as much again in PyMongo on
the hub, while one more id in an `$in` costs 0.2 ms. So the reads by id of one
collection under one filter (the tenant, for anonymous readers the published-only rule)
that arrive while an earlier such read is at the store wait for it and then go together
as one find: at 64 connections one round trip serves a dozen requests.

Correctness: a read only ever joins a batch that has not been sent yet, so it is sent
after the read began and sees every write committed before it (read-your-writes, as
with a find of its own). A batch holds one tenant's filter (it is part of the key), so
tenants never share a find. The find is the ordinary `{filter…, _id: {$in: […]}}`, the
same on a real MongoDB, where several batches of a key may be at the server at once.

Identical whole finds (same model, filter, order and limit: a newsroom page, the review
queue) join the same way (`find_shared`).

One coalescer per event loop (`coalescer()`): tests run several loops in one process.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.group_commit import failure_seen

Fetch = Callable[[list[str]], Awaitable[Mapping[str, Any]]]

# ids per find: past a few hundred the embedded store's `$in` gains nothing per id
MAX_IDS = 256
# finds of one key at the store at once; the next batch gathers meanwhile. The embedded
# store runs one command at a time, so a second one would only wait there; a real MongoDB
# would take more, but a batch each way is already the round trip of a dozen requests.
MAX_IN_FLIGHT = 2


@dataclass
class _Batch:
    fetch: Fetch
    ids: set[str] = field(default_factory=set)
    future: asyncio.Future[Mapping[str, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    scheduled: bool = False


class Coalescer:
    """Batches of reads by id, per key (see the module doc)."""

    def __init__(self, max_ids: int = MAX_IDS, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.max_ids = max_ids
        self.max_in_flight = max_in_flight
        self._pending: dict[Hashable, _Batch] = {}
        self._in_flight: dict[Hashable, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.finds = 0  # finds sent (for tests and the benchmark's notes)

    async def get_many(self, key: Hashable, ids: Iterable[str], fetch: Fetch) -> dict[str, Any]:
        """The documents of `ids` that `fetch` finds, `fetch` being called with this and
        other waiting reads' ids of the same `key` together (it must answer every id it is
        given that exists under the key's filter, keyed by id)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        batch = self._pending.get(key)
        if batch is not None and len(batch.ids | set(wanted)) > self.max_ids:
            self._send(key, batch)  # full: off it goes, this read starts the next one
            batch = None
        if batch is None:
            batch = _Batch(fetch)
            batch.future.add_done_callback(failure_seen)
            self._pending[key] = batch
            if self._in_flight.get(key, 0) < self.max_in_flight:
                self._schedule(key, batch)
        batch.ids.update(wanted)
        found = await asyncio.shield(batch.future)
        return {i: found[i] for i in wanted if i in found}

    def _schedule(self, key: Hashable, batch: _Batch) -> None:
        # after the reads of this turn of the loop have joined it
        batch.scheduled = True
        asyncio.get_running_loop().call_soon(self._send, key, batch)

    def _send(self, key: Hashable, batch: _Batch) -> None:
        if self._pending.get(key) is not batch:
            return  # already sent (full)
        del self._pending[key]
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        self.finds += 1
        task = asyncio.get_running_loop().create_task(self._fetch(key, batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fetch(self, key: Hashable, batch: _Batch) -> None:
        try:
            found = await batch.fetch(sorted(batch.ids))
        except asyncio.CancelledError:
            batch.future.cancel()
            raise
        except BaseException as exc:  # every waiter gets the store's error
            batch.future.set_exception(exc)
        else:
            batch.future.set_result(found)
        finally:
            left = self._in_flight[key] - 1
            if left:
                self._in_flight[key] = left
            else:
                del self._in_flight[key]
            waiting = self._pending.get(key)
            if waiting is not None and not waiting.scheduled:
                self._schedule(key, waiting)


_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Coalescer] = (
    weakref.WeakKeyDictionary()
)


def coalescer() -> Coalescer:
    """The running event loop's coalescer."""
    loop = asyncio.get_running_loop()
    found = _BY_LOOP.get(loop)
    if found is None:
        found = _BY_LOOP[loop] = Coalescer()
    return found


def filter_key(model: type, flt: Mapping[str, Any]) -> tuple[Any, ...]:
    """A batch key: the document class and a filter of plain equalities (the tenant …)."""
    return (model, *sorted(flt.items()))


async def find_by_ids(model: Any, flt: Mapping[str, Any], ids: Iterable[str]) -> dict[str, Any]:
    """`model`'s documents of `ids` (those that exist) under `flt`, plain equalities that
    must include the tenant: one `{**flt, _id: {$in: …}}` find with concurrent reads of
    the same model and filter. Keep `$eq` out of `flt`: beside an `$in` on `_id` the
    embedded store then picks a worse index (20 ids: 95 ms against 7 ms)."""
    fixed = dict(flt)

    async def fetch(batch: list[str]) -> dict[str, Any]:
        return {d.id: d for d in await model.find({**fixed, "_id": {"$in": batch}}).to_list()}

    key = filter_key(model, fixed)
    try:
        hash(key)
    except TypeError:  # an operator in the filter (not plain equalities): a find of its own
        wanted = list(dict.fromkeys(ids))
        return await fetch(wanted) if wanted else {}
    return await coalescer().get_many(key, ids, fetch)


async def find_by_id(model: Any, flt: Mapping[str, Any], doc_id: str) -> Any:
    """One document by id under `flt` (see `find_by_ids`), or None."""
    return (await find_by_ids(model, flt, (doc_id,))).get(doc_id)


#: the pseudo id under which a shared find's documents travel through the coalescer
_ALL = "*"


async def find_shared(
    model: Any, flt: Mapping[str, Any], sort: Sequence[tuple[str, int]], limit: int
) -> list[Any]:
    """`model.find(flt).sort(sort).limit(limit)`, joined with the identical finds (same
    model, filter, order and limit) of concurrent requests: one find for all who wait for
    it (issue 15: at 64 editors the draft list, the story list and the review queue are
    asked by many at once, and each find of a page of 21 costs the embedded store about
    2 ms of CPU whatever the number of callers). As with reads by id, a caller only joins
    a find not sent yet, so it sees every write committed before it began. The filter
    names the tenant (and the caller's visibility rule), so callers share only what each
    would have read. The documents may be shared: read them, never change them."""
    wanted = [(k, int(d)) for k, d in sort]

    async def fetch(_: list[str]) -> dict[str, Any]:
        return {_ALL: await model.find(dict(flt)).sort(wanted).limit(limit).to_list()}

    try:
        shape = json.dumps([flt, wanted, limit], sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):  # not plain JSON (no such filter today): a find of its own
        return list((await fetch([]))[_ALL])
    found = await coalescer().get_many(("find", model, shape), (_ALL,), fetch)
    return list(found[_ALL])
