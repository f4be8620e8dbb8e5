"""Contract: the tenant-scoped collection (hub/store/tenanted.py) adds its tenant to every
operation it offers, on the real store, and refuses a call that names another tenant
before anything is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from beanie import init_beanie
from pymongo import DeleteOne, InsertOne, ReplaceOne, ReturnDocument, UpdateMany, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hub.store.documents import TenantDocument
from hub.store.tenanted import Tenanted, TenantMismatch, across_tenants

A, B = "center-a", "center-b"


class ScopedThing(TenantDocument):
    """A document class of this test's own (its own collection in the module's database)."""

    n: int = 0
    kind: str = "x"

    class Settings:
        name = "scoped_things"


@pytest.fixture
async def things(db: AsyncDatabase) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:  # type: ignore[type-arg]
    """The raw collection, seeded with the same three documents for each tenant."""
    await init_beanie(database=db, document_models=[ScopedThing])
    raw = across_tenants(ScopedThing, reason="the test seeds and inspects both tenants")
    await raw.delete_many({})
    await raw.insert_many(
        [
            {"_id": f"{t}:{i}", "tenant": t, "n": i, "kind": "odd" if i % 2 else "even"}
            for t in (A, B)
            for i in (1, 2, 3)
        ]
    )
    yield raw


async def _of(raw: AsyncCollection[dict[str, Any]], tenant: str) -> list[dict[str, Any]]:
    return await raw.find({"tenant": tenant}).sort([("_id", 1)]).to_list()


async def test_reads_see_only_the_collections_tenant(
    things: AsyncCollection[dict[str, Any]],
) -> None:
    a = Tenanted(ScopedThing, A)
    found = await a.find({"n": {"$gte": 1}}).sort([("n", 1)]).to_list()
    assert [d["_id"] for d in found] == [f"{A}:1", f"{A}:2", f"{A}:3"]
    assert [d["_id"] for d in await a.find().to_list()] == [f"{A}:1", f"{A}:2", f"{A}:3"]
    one = await a.find_one({"n": 2})
    assert one is not None and one["_id"] == f"{A}:2"
    assert await a.find_one({"_id": f"{B}:2"}) is None  # another tenant's id: not found
    assert await a.count_documents({"kind": "odd"}) == 2
    assert sorted(await a.distinct("n", {"kind": "odd"})) == [1, 3]
    # the tenant joins the first $match, or a $match is put first
    grouped = await (
        await a.aggregate(
            [{"$match": {"kind": "odd"}}, {"$group": {"_id": None, "s": {"$sum": "$n"}}}]
        )
    ).to_list()
    assert [g["s"] for g in grouped] == [4]
    counted = await (await a.aggregate([{"$count": "n"}])).to_list()
    assert counted == [{"n": 3}]
    # a filter naming the same tenant, plainly or as $eq, is the same filter
    assert await a.count_documents({"tenant": A}) == 3
    assert await a.count_documents({"tenant": {"$eq": A}}) == 3


async def test_writes_touch_only_the_collections_tenant(
    things: AsyncCollection[dict[str, Any]],
) -> None:
    a = Tenanted(ScopedThing, A)
    untouched = await _of(things, B)

    await a.insert_one({"_id": "new1", "n": 10})
    await a.insert_many([{"_id": "new2", "n": 11}, {"_id": "new3", "n": 12, "tenant": A}])
    assert {d["_id"]: d["tenant"] for d in await things.find({"n": {"$gte": 10}}).to_list()} == {
        "new1": A,
        "new2": A,
        "new3": A,
    }

    assert (await a.update_one({"n": 1}, {"$set": {"kind": "one"}})).modified_count == 1
    assert (await a.update_many({}, {"$inc": {"n": 100}})).modified_count == 6
    after = await a.find_one_and_update(
        {"_id": f"{A}:2"}, {"$set": {"kind": "two"}}, return_document=ReturnDocument.AFTER
    )
    assert after is not None and after["kind"] == "two" and after["n"] == 102
    # another tenant's id under this tenant matches nothing
    assert (await a.update_one({"_id": f"{B}:1"}, {"$set": {"kind": "stolen"}})).matched_count == 0
    assert await a.find_one_and_update({"_id": f"{B}:1"}, {"$set": {"kind": "stolen"}}) is None
    assert (await a.replace_one({"_id": f"{B}:1"}, {"n": 0})).matched_count == 0
    assert (await a.delete_one({"_id": f"{B}:1"})).deleted_count == 0

    # upserts create this tenant's document (also when the filter does not name it)
    await a.update_one({"_id": "up1"}, {"$inc": {"n": 1}}, upsert=True)
    await a.update_many({"_id": "up2"}, {"$set": {"n": 2}}, upsert=True)
    await a.find_one_and_update({"_id": "up3"}, {"$inc": {"n": 3}}, upsert=True)
    # (nx-27017 does not take a replacement's _id from the filter: the hub's replacements
    # carry theirs, as model_dump(by_alias=True) gives them)
    await a.replace_one({"_id": "up4"}, {"_id": "up4", "n": 4}, upsert=True)
    await a.update_one({"_id": "up5"}, {"$setOnInsert": {"tenant": A, "n": 5}}, upsert=True)
    ups = {d["_id"]: d for d in await things.find({"_id": {"$regex": "^up"}}).to_list()}
    assert {k: (d["tenant"], d["n"]) for k, d in ups.items()} == {
        "up1": (A, 1),
        "up2": (A, 2),
        "up3": (A, 3),
        "up4": (A, 4),
        "up5": (A, 5),
    }

    await a.bulk_write(
        [
            InsertOne({"_id": "bulk1", "n": 1}),
            UpdateOne({"_id": "bulk2"}, {"$set": {"n": 2}}, upsert=True),
            UpdateMany({"kind": "odd"}, {"$set": {"bulk": True}}),
            ReplaceOne({"_id": "bulk3"}, {"_id": "bulk3", "n": 3}, upsert=True),
            DeleteOne({"_id": f"{B}:3"}),  # another tenant's: nothing happens
        ],
        ordered=True,
    )
    bulk = {
        d["_id"]: d["tenant"] for d in await things.find({"_id": {"$regex": "^bulk"}}).to_list()
    }
    assert bulk == {"bulk1": A, "bulk2": A, "bulk3": A}
    assert await things.count_documents({"bulk": True}) == 1  # A:3 only (A:1 became "one")

    assert await a.find_one_and_delete({"_id": "up5"}) is not None
    assert (await a.delete_many({"_id": {"$regex": "^up"}})).deleted_count == 4
    assert await things.count_documents({"_id": {"$regex": "^up"}}) == 0
    assert await _of(things, B) == untouched  # nothing of the other tenant changed


@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.find({"tenant": B}).to_list(),
        lambda a: a.find_one({"tenant": {"$eq": B}}),
        lambda a: a.find_one({"tenant": {"$in": [A, B]}}),
        lambda a: a.count_documents({"tenant": B}),
        lambda a: a.distinct("n", {"tenant": B}),
        lambda a: a.aggregate([{"$match": {"tenant": B}}]),
        lambda a: a.insert_one({"_id": "x", "tenant": B}),
        lambda a: a.insert_many([{"_id": "x"}, {"_id": "y", "tenant": B}]),
        lambda a: a.update_one({"tenant": B}, {"$set": {"n": 0}}),
        lambda a: a.update_one({"_id": f"{A}:1"}, {"$set": {"tenant": B}}),
        lambda a: a.update_many({}, {"$set": {"tenant": B}}),
        lambda a: a.update_one({"_id": "x"}, {"$setOnInsert": {"tenant": B}}, upsert=True),
        lambda a: a.replace_one({"_id": f"{A}:1"}, {"tenant": B, "n": 0}),
        lambda a: a.find_one_and_update({"tenant": B}, {"$set": {"n": 0}}),
        lambda a: a.find_one_and_delete({"tenant": B}),
        lambda a: a.delete_one({"tenant": B}),
        lambda a: a.delete_many({"tenant": B}),
        lambda a: a.bulk_write([DeleteOne({"tenant": B})]),
        lambda a: a.bulk_write([InsertOne({"_id": "x", "tenant": B})]),
    ],
)
async def test_a_call_naming_another_tenant_is_refused_and_nothing_is_written(
    things: AsyncCollection[dict[str, Any]], call: Any
) -> None:
    before = await things.find().sort([("_id", 1)]).to_list()
    with pytest.raises(TenantMismatch) as caught:
        await call(Tenanted(ScopedThing, A))
    assert caught.value.tenant == A and caught.value.collection == "scoped_things"
    assert await things.find().sort([("_id", 1)]).to_list() == before


def test_a_scope_needs_a_tenant_and_the_escape_hatch_a_reason() -> None:
    with pytest.raises(ValueError):
        Tenanted(ScopedThing, "")
    with pytest.raises(ValueError):
        across_tenants(ScopedThing, reason=" ")
