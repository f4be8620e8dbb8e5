"""The by-id coalescer (hub/store/coalesce.py) on its own: which reads share a find, when
a batch goes, and what its waiters get. The fetch here is a plain dict with a gate the
test opens, so each step waits on a condition, not on time."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from hub.store.coalesce import Coalescer, filter_key


class Shelf:
    """A store stand-in: documents by id, finds recorded, each find held until released."""

    def __init__(self, docs: Mapping[str, str]) -> None:
        self.docs = dict(docs)
        self.finds: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.failure: BaseException | None = None
        self.asked = asyncio.Event()  # set by each find as it reaches the store

    async def fetch(self, ids: list[str]) -> dict[str, str]:
        self.finds.append(ids)
        self.asked.set()
        await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return {i: self.docs[i] for i in ids if i in self.docs}


async def test_reads_of_one_turn_go_as_one_find_and_each_gets_its_own_documents() -> None:
    shelf, co = Shelf({"a": "A", "b": "B", "c": "C"}), Coalescer()
    got = await asyncio.gather(
        *(co.get_many("k", ids, shelf.fetch) for ids in (["a"], ["b", "a"], ["zz"], ["c"]))
    )
    assert got == [{"a": "A"}, {"b": "B", "a": "A"}, {}, {"c": "C"}]
    assert shelf.finds == [["a", "b", "c", "zz"]]


async def test_reads_arriving_while_finds_are_at_the_store_wait_and_then_go_together() -> None:
    shelf, co = Shelf({str(i): f"doc{i}" for i in range(20)}), Coalescer(max_in_flight=1)
    shelf.gate.clear()
    first = asyncio.ensure_future(co.get_many("k", ["0"], shelf.fetch))
    await shelf.asked.wait()
    later = [asyncio.ensure_future(co.get_many("k", [str(i)], shelf.fetch)) for i in range(1, 20)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(shelf.finds) == 1  # the others wait for the find in flight
    shelf.gate.set()
    assert await first == {"0": "doc0"}
    assert [await f for f in later] == [{str(i): f"doc{i}"} for i in range(1, 20)]
    assert shelf.finds == [["0"], sorted(str(i) for i in range(1, 20))]


async def test_a_read_never_joins_a_find_already_sent() -> None:
    # read-your-writes: a find sent before a read began may miss a write committed just
    # before it, so the read waits for a find of its own
    shelf, co = Shelf({"a": "old"}), Coalescer(max_in_flight=1)
    shelf.gate.clear()
    early = asyncio.ensure_future(co.get_many("k", ["a"], shelf.fetch))
    await shelf.asked.wait()
    shelf.docs["a"] = "new"  # committed after the first find was sent
    late = asyncio.ensure_future(co.get_many("k", ["a"], shelf.fetch))
    shelf.gate.set()
    assert await early == {"a": "new"}  # (this stand-in reads at release time)
    assert await late == {"a": "new"}
    assert shelf.finds == [["a"], ["a"]]


async def test_keys_never_share_a_find() -> None:
    one, two, co = Shelf({"x": "tenant one"}), Shelf({"x": "tenant two"}), Coalescer()
    a, b = await asyncio.gather(
        co.get_many(filter_key(dict, {"tenant": "one"}), ["x"], one.fetch),
        co.get_many(filter_key(dict, {"tenant": "two"}), ["x"], two.fetch),
    )
    assert (a, b) == ({"x": "tenant one"}, {"x": "tenant two"})
    assert one.finds == two.finds == [["x"]]


async def test_a_full_batch_goes_at_once_and_the_rest_start_the_next() -> None:
    shelf, co = Shelf({str(i): str(i) for i in range(10)}), Coalescer(max_ids=4)
    got = await asyncio.gather(*(co.get_many("k", [str(i)], shelf.fetch) for i in range(10)))
    assert got == [{str(i): str(i)} for i in range(10)]
    assert [len(f) for f in shelf.finds] == [4, 4, 2]
    assert sorted(i for f in shelf.finds for i in f) == sorted(str(i) for i in range(10))


async def test_every_waiter_gets_the_stores_error_and_the_next_read_tries_again() -> None:
    shelf, co = Shelf({"a": "A"}), Coalescer()
    shelf.failure = ConnectionError("store away")
    results = await asyncio.gather(
        *(co.get_many("k", [i], shelf.fetch) for i in "ab"), return_exceptions=True
    )
    assert all(isinstance(r, ConnectionError) for r in results)
    shelf.failure = None
    assert await co.get_many("k", ["a"], shelf.fetch) == {"a": "A"}


async def test_a_cancelled_reader_leaves_the_others_their_answer() -> None:
    shelf, co = Shelf({"a": "A", "b": "B"}), Coalescer()
    shelf.gate.clear()
    gone = asyncio.ensure_future(co.get_many("k", ["a"], shelf.fetch))
    stays = asyncio.ensure_future(co.get_many("k", ["b"], shelf.fetch))
    await shelf.asked.wait()
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    shelf.gate.set()
    assert await stays == {"b": "B"}


async def test_no_ids_no_find() -> None:
    shelf, co = Shelf({}), Coalescer()
    assert await co.get_many("k", [], shelf.fetch) == {}
    assert shelf.finds == []


def test_a_filter_with_an_operator_cannot_be_a_batch_key() -> None:
    # find_by_ids then reads on its own instead of sharing (hub/store/coalesce.py)
    with pytest.raises(TypeError):
        hash(filter_key(dict, {"tenant": "t", "status": {"$in": ["a", "b"]}}))
    assert hash(filter_key(dict, {"tenant": "t", "status": "published"})) == hash(
        filter_key(dict, {"status": "published", "tenant": "t"})
    )
