"""nx-27017 quirks the hub works around, pinned as tests.

Each quirk has a portable form that the hub uses and that passes on both servers; the
embedded-only tests record the quirk itself, so a newer nx-27017 that fixes it shows up
here (and the workaround can be reconsidered) instead of silently.
"""

from __future__ import annotations

import pytest
from pymongo import IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from hub.ids import new_id
from tests.contract.conftest import embedded
from tests.contract.stories import story, with_story_indexes

only_embedded = pytest.mark.skipif(not embedded(), reason="records an nx-27017 quirk")


async def test_array_membership_on_an_indexed_array_uses_all(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    """Quirk: on nx-27017, plain equality on an indexed array field (`{tags: "x"}`) finds
    nothing. Portable form (StoryRepository.page): `{tags: {"$all": ["x"]}}`."""
    coll = await with_story_indexes(db["stories_" + new_id()[-6:]])
    doc = story("a", tags=["防汛", "通知"])
    await coll.insert_one(doc)
    found = await coll.find({"tenant": "a", "tags": {"$all": ["防汛"]}}).to_list()
    assert [d["_id"] for d in found] == [doc["_id"]]


@only_embedded
async def test_nx27017_equality_on_an_indexed_array_finds_nothing(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    coll = await with_story_indexes(db["stories_" + new_id()[-6:]])
    await coll.insert_one(story("a", tags=["防汛"]))
    assert await coll.find({"tenant": "a", "tags": "防汛"}).to_list() == []


async def test_id_is_a_sort_tiebreaker_without_being_in_the_compound_index(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """Quirk: on nx-27017 a compound index that names `_id` makes every insert fail
    ("JSON path error near '_id'"). Portable form (StoryDoc indexes): leave `_id` out of
    the index and still sort on it as the tie-breaker."""
    coll = await with_story_indexes(db["stories_" + new_id()[-6:]])
    docs = [story("a", updated_at=100) for _ in range(5)]
    await coll.insert_many(docs)
    found = await coll.find({"tenant": "a"}).sort([("updated_at", -1), ("_id", -1)]).to_list()
    assert [d["_id"] for d in found] == sorted((d["_id"] for d in docs), reverse=True)


@only_embedded
async def test_nx27017_refuses_inserts_under_a_compound_index_naming_id(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    coll = db["quirk_" + new_id()[-6:]]
    await coll.create_indexes([IndexModel([("tenant", 1), ("_id", 1)])])
    with pytest.raises(PyMongoError, match="_id"):
        await coll.insert_one({"_id": "x", "tenant": "a"})


async def test_find_one_and_update_upsert_takes_new_fields_from_the_filter(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """Quirk: nx-27017's find_one_and_update(upsert=True) ignores `$setOnInsert` (update_one
    honours it). Portable form (bump_read_model): equality fields in the filter, which an
    upsert copies into the document it creates."""
    coll = db["counters_" + new_id()[-6:]]
    raw = await coll.find_one_and_update(
        {"_id": "k", "tenant": "a"},
        {"$inc": {"value": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert raw == {"_id": "k", "tenant": "a", "value": 1}


@only_embedded
async def test_nx27017_find_one_and_update_upsert_drops_set_on_insert(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    coll = db["quirk_" + new_id()[-6:]]
    raw = await coll.find_one_and_update(
        {"_id": "k"},
        {"$inc": {"value": 1}, "$setOnInsert": {"tenant": "a"}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert raw == {"_id": "k", "value": 1}  # MongoDB would also have tenant "a"


async def test_eq_equalities_read_the_same_documents_as_plain_ones(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    """Quirk: nx-27017 answers a plain scalar equality (`{tenant: "a"}`) with an extra
    array-membership sub-query that no index serves, so a column page scanned the whole
    collection (126 ms at 10k stories, against 2.3 ms). Portable form (hub/store/cursor.py
    `eq`, used by StoryRepository and the asset pages): `{tenant: {"$eq": "a"}}`, which
    means the same for scalar fields on both servers."""
    coll = await with_story_indexes(db["stories_" + new_id()[-6:]])
    await coll.insert_many(
        [story("a", column_id="c1"), story("a", column_id="c2"), story("b", column_id="c1")]
    )
    plain = await coll.find({"tenant": "a", "column_id": "c1"}).to_list()
    with_eq = await coll.find({"tenant": {"$eq": "a"}, "column_id": {"$eq": "c1"}}).to_list()
    assert [d["_id"] for d in with_eq] == [d["_id"] for d in plain] and len(plain) == 1


@only_embedded
async def test_nx27017_uses_the_compound_index_only_for_eq_equalities(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    coll = await with_story_indexes(db["stories_" + new_id()[-6:]])
    await coll.insert_one(story("a", column_id="c1"))

    async def plan(q: dict) -> str:  # type: ignore[type-arg]
        explained = await coll.find(q).sort([("published_at", -1), ("_id", -1)]).limit(21).explain()
        return str(explained["queryPlanner"]["winningPlan"])

    assert "USING INDEX" in await plan({"tenant": {"$eq": "a"}, "column_id": {"$eq": "c1"}})
    assert "USING INDEX" not in await plan({"tenant": "a", "column_id": "c1"})
    # a range on _id (the one-filter cursor's tie arm) also falls back to a scan
    assert "USING INDEX" not in await plan({"tenant": {"$eq": "a"}, "_id": {"$lt": "z"}})


async def test_an_emptied_map_is_told_by_a_counter_not_by_equality(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    """Quirk: on nx-27017 `{m: {}}` also matches documents whose map `m` is not empty (and
    `$eq`/`$in` with a document argument are refused). Portable form (hub/audit/pending.py):
    a counter bumped by every addition; the flag is cleared by a compare-and-set on it after
    an `$unset` that returned the map empty."""
    coll = db["pending_" + new_id()[-6:]]
    await coll.insert_one({"_id": "d", "tenant": "a", "m": {}, "flag": True, "rev": 0})
    await coll.update_one(
        {"_id": "d"}, {"$set": {"m.k1": {"x": 1}, "flag": True}, "$inc": {"rev": 1}}
    )
    after = await coll.find_one_and_update(
        {"_id": "d"},
        {"$unset": {"m.k1": ""}},
        projection={"m": 1, "rev": 1},
        return_document=ReturnDocument.AFTER,
    )
    assert after is not None and after["m"] == {} and after["rev"] == 1
    # another writer adds an entry before the flag is cleared: the clear must not apply
    await coll.update_one(
        {"_id": "d"}, {"$set": {"m.k2": {"x": 2}, "flag": True}, "$inc": {"rev": 1}}
    )
    cleared = await coll.update_one({"_id": "d", "rev": after["rev"]}, {"$set": {"flag": False}})
    assert cleared.matched_count == 0
    raw = await coll.find_one({"_id": "d"})
    assert raw is not None and raw["flag"] and list(raw["m"]) == ["k2"]


@only_embedded
async def test_nx27017_empty_map_equality_matches_full_maps(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    coll = db["quirk_" + new_id()[-6:]]
    await coll.insert_one({"_id": "full", "m": {"k": {"x": 1}}})
    assert [d["_id"] for d in await coll.find({"m": {}}).to_list()] == ["full"]  # MongoDB: none


async def test_a_dotted_projection_is_read_in_either_shape(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    """Quirk: nx-27017 answers a dotted projection (`{"p.x.y": 1}`) with one flat key
    `"p.x.y"` where MongoDB nests `{p: {x: {y: …}}}`. Portable form (hub/reach/collect.py):
    read the flat key, else walk the nested documents."""
    coll = db["quirk_" + new_id()[-6:]]
    await coll.insert_one({"_id": "a", "p": {"x": {"y": 5, "z": 6}}, "other": 1})
    raw = await coll.find_one({"_id": "a"}, {"p.x.y": 1})
    assert raw is not None and "other" not in raw
    kept = raw.get("p.x.y") or ((raw.get("p") or {}).get("x") or {}).get("y")
    assert kept == 5


@only_embedded
async def test_nx27017_answers_a_dotted_projection_as_one_flat_key(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    coll = db["quirk_" + new_id()[-6:]]
    await coll.insert_one({"_id": "a", "p": {"x": {"y": 5, "z": 6}}})
    assert await coll.find_one({"_id": "a"}, {"p.x.y": 1}) == {"_id": "a", "p.x.y": 5}
    after = await coll.find_one_and_update(
        {"_id": "a"}, {"$set": {"q": 1}}, projection={"p.x.y": 1}
    )
    assert after == {"_id": "a", "p.x.y": 5}  # MongoDB: {"_id": "a", "p": {"x": {"y": 5}}}


async def test_a_computed_value_is_pushed_as_a_field_computed_before_the_group(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """Quirk: in `$group`, nx-27017 returns an operator expression (`$map`, `$multiply` …)
    inside the document that `$push` collects as it was written, unevaluated (field paths
    in it are resolved; an expression that is the whole `$push` argument is evaluated).
    Portable form: compute the value in an `$addFields` stage first and push its path."""
    coll = db["quirk_" + new_id()[-6:]]
    await coll.insert_many([{"_id": "a", "g": 1, "arr": [1, 2]}, {"_id": "b", "g": 1, "arr": [3]}])
    doubled = {"$map": {"input": "$arr", "as": "v", "in": {"$multiply": ["$$v", 2]}}}
    rows = await (
        await coll.aggregate(
            [
                {"$addFields": {"m": doubled}},
                {"$sort": {"_id": 1}},
                {"$group": {"_id": "$g", "all": {"$push": {"id": "$_id", "m": "$m"}}}},
            ]
        )
    ).to_list()
    assert rows == [{"_id": 1, "all": [{"id": "a", "m": [2, 4]}, {"id": "b", "m": [6]}]}]


@only_embedded
async def test_nx27017_returns_an_expression_inside_a_pushed_document_unevaluated(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    coll = db["quirk_" + new_id()[-6:]]
    await coll.insert_one({"_id": "a", "g": 1, "arr": [1, 2]})
    doubled = {"$map": {"input": "$arr", "as": "v", "in": {"$multiply": ["$$v", 2]}}}
    rows = await (
        await coll.aggregate(
            [{"$group": {"_id": "$g", "all": {"$push": {"id": "$_id", "m": doubled}}}}]
        )
    ).to_list()
    assert rows == [{"_id": 1, "all": [{"id": "a", "m": doubled}]}]  # MongoDB: "m": [2, 4]


async def test_a_write_guard_is_a_map_key_not_an_array_element(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    """Quirk: nx-27017 answers `$ne` against an array field as if it compared the whole
    array, so `{seen: {$ne: "k"}}` still matches a document whose `seen` holds "k" and a
    retried write would apply twice. Portable form (hub/reach/collect.py): the guard is a
    map key (`{"seen.k": {$exists: false}}`)."""
    coll = db["quirk_" + new_id()[-6:]]
    await coll.insert_one({"_id": "d", "total": 0, "seen": {}})
    for _ in range(2):  # the same write, retried
        await coll.update_one(
            {"_id": "d", "seen.k": {"$exists": False}},
            {"$inc": {"total": 5}, "$set": {"seen.k": 1}},
        )
    raw = await coll.find_one({"_id": "d"})
    assert raw is not None and raw["total"] == 5


@only_embedded
async def test_nx27017_ne_against_an_array_compares_the_whole_array(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    coll = db["quirk_" + new_id()[-6:]]
    await coll.insert_one({"_id": "d", "seen": ["k", "other"]})
    found = await coll.find({"seen": {"$ne": "k"}}).to_list()
    assert [d["_id"] for d in found] == ["d"]  # MongoDB: none ("k" is an element)
