"""Contract: every kind of read the hub sends to the store (filters, sort, limit, $in, $all,
the cursor's $or, the time window, $match+$count, ping) answers as MongoDB does."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hub.ids import new_id
from hub.store import cursor as cursors
from hub.store.counting import count
from tests.contract.stories import story, with_story_indexes


async def _stories(db: AsyncDatabase, docs: list[dict[str, Any]]):  # type: ignore[no-untyped-def,type-arg]
    coll = await with_story_indexes(db["stories_" + new_id()[-6:]])
    if docs:
        await coll.insert_many(docs)
    return coll


async def test_a_document_comes_back_exactly_as_inserted(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    doc = story(
        "t1",
        title="标题\u3000全角空格",
        body="<p>第一段\xa0不换行空格</p>\r\n<p>「引号」、顿号</p>",
        tags=["乡村振兴", "防汛"],
        source={
            "source_name": "新华社",
            "original_author": None,
            "original_title": "原题",
            "responsible_editor": "张编辑",
            "reprint": True,
        },
        location={"name": "县城", "latitude": 30.5, "longitude": 114.25},
        published_at=1_767_225_600_123,
    )
    coll = await _stories(db, [doc])
    found = await coll.find_one({"tenant": "t1", "_id": doc["_id"]})
    assert found == doc


async def test_tenant_and_id_lookup_does_not_cross_tenants(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    mine, theirs = story("a"), story("b")
    coll = await _stories(db, [mine, theirs])
    assert await coll.find_one({"tenant": "a", "_id": theirs["_id"]}) is None
    assert (await coll.find_one({"tenant": "b", "_id": theirs["_id"]}))["_id"] == theirs["_id"]


async def test_in_on_id_returns_only_the_tenants_existing_documents(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    docs = [story("a") for _ in range(5)]
    other = story("b")
    coll = await _stories(db, [*docs, other])
    wanted = [docs[0]["_id"], docs[3]["_id"], other["_id"], "missing-id"]
    found = await coll.find({"tenant": "a", "_id": {"$in": wanted}}).to_list()
    assert sorted(d["_id"] for d in found) == sorted([docs[0]["_id"], docs[3]["_id"]])


async def test_in_on_id_beside_the_tenant_and_status_finds_only_that_tenants_published_documents(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    # StoryRepository.get, reads of concurrent requests joined (hub/store/coalesce.py):
    # plain equalities and an `$in` of many ids, answered through the story indexes
    mine = [story("a", status="published") for _ in range(40)]
    draft, theirs = story("a", status="draft"), story("b", status="published")
    coll = await _stories(db, [*mine, draft, theirs])
    wanted = [d["_id"] for d in mine[::2]] + [draft["_id"], theirs["_id"], "missing-id"]
    found = await coll.find(
        {"tenant": "a", "status": "published", "_id": {"$in": wanted}}
    ).to_list()
    assert sorted(d["_id"] for d in found) == sorted(d["_id"] for d in mine[::2])
    assert all(d == next(m for m in mine if m["_id"] == d["_id"]) for d in found)  # whole documents


async def test_equality_filters_sort_and_limit_give_the_newest_first(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    docs = [
        story("a", status="published", published_at=1000 + i, column_id="c1" if i % 2 else "c2")
        for i in range(10)
    ]
    coll = await _stories(
        db,
        [
            *docs,
            story("a", status="draft", published_at=5000),
            story("b", status="published", published_at=9000),
        ],
    )
    page = (
        await coll.find({"tenant": "a", "status": "published", "column_id": "c1"})
        .sort([("published_at", -1), ("_id", -1)])
        .limit(3)
        .to_list()
    )
    assert [d["published_at"] for d in page] == [1009, 1007, 1005]


async def test_a_time_window_on_an_integer_field_is_inclusive_then_exclusive(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    docs = [story("a", status="published", published_at=t) for t in (None, 100, 200, 300, 400)]
    coll = await _stories(db, docs)
    window = {"$gt": 0, "$gte": 200, "$lt": 400}  # the shape StoryRepository.page builds
    found = (
        await coll.find({"tenant": "a", "published_at": window})
        .sort([("published_at", -1)])
        .to_list()
    )
    assert [d["published_at"] for d in found] == [300, 200]
    published = await coll.find({"tenant": "a", "published_at": {"$gt": 0}}).to_list()
    assert len(published) == 4  # null never matches a range


async def test_all_on_an_indexed_array_field_finds_each_tagged_document(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    docs = [
        story("a", tags=["防汛", "通知"]),
        story("a", tags=["通知"]),
        story("a", tags=[]),
        story("b", tags=["防汛"]),
    ]
    coll = await _stories(db, docs)
    found = await coll.find({"tenant": "a", "tags": {"$all": ["防汛"]}}).to_list()
    assert [d["_id"] for d in found] == [docs[0]["_id"]]
    both = await coll.find({"tenant": "a", "tags": {"$all": ["通知", "防汛"]}}).to_list()
    assert [d["_id"] for d in both] == [docs[0]["_id"]]


async def test_the_cursor_or_filter_pages_through_ties_without_gaps_or_repeats(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    # Many documents share one `updated_at`: only the `_id` tie-breaker keeps pages apart.
    docs = [story("a", updated_at=100 + i // 4, tags=["p"]) for i in range(13)]
    coll = await _stories(db, [*docs, story("b", updated_at=150)])
    expected = [
        d["_id"] for d in sorted(docs, key=lambda d: (d["updated_at"], d["_id"]), reverse=True)
    ]
    seen: list[str] = []
    after: str | None = None
    while True:
        q: dict[str, Any] = {"tenant": "a", "tags": {"$all": ["p"]}}
        if after:
            value, doc_id = cursors.decode(after, "updated_at")
            q = {"$and": [q, cursors.after_filter("updated_at", value, doc_id)]}
        page = await coll.find(q).sort([("updated_at", -1), ("_id", -1)]).limit(4).to_list()
        seen += [d["_id"] for d in page]
        if len(page) < 4:
            break
        after = cursors.encode("updated_at", page[-1]["updated_at"], page[-1]["_id"])
    assert seen == expected


async def test_match_then_count_aggregation_counts_and_zero_reads_as_zero(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """Counts use `[$match, $count]`, never count_documents (O(N) on nx-27017, docs/storage.md).

    Quirk: over no documents MongoDB returns no row, nx-27017 returns `{n: 0}`;
    hub.store.counting.count reads both as 0.
    """
    coll = await _stories(db, [story("a", tags=["x"]) for _ in range(7)] + [story("b")])
    counted = await (await coll.aggregate([{"$match": {"tenant": "a"}}, {"$count": "n"}])).to_list()
    assert counted == [{"n": 7}]
    tagged = await (
        await coll.aggregate(
            [{"$match": {"tenant": "a", "tags": {"$all": ["x"]}}}, {"$count": "n"}]
        )
    ).to_list()
    assert tagged == [{"n": 7}]
    none = await (
        await coll.aggregate([{"$match": {"tenant": "nobody"}}, {"$count": "n"}])
    ).to_list()
    assert none in ([], [{"n": 0}])
    assert await count(coll, {"tenant": "a"}) == 7
    assert await count(coll, {"tenant": "nobody"}) == 0


async def test_ping_answers_ok(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    reply = await db.command("ping")
    assert float(reply["ok"]) == 1.0


async def test_eq_equalities_beside_an_id_find_only_that_tenants_published_document(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    # `$eq` equalities (index-served on the embedded store, as in StoryRepository pages) and the id
    mine, draft, theirs = (
        story("a", status="published"),
        story("a", status="draft"),
        story("b", status="published"),
    )
    coll = await _stories(db, [mine, draft, theirs])
    q = {"tenant": cursors.eq("a"), "status": cursors.eq("published")}
    assert (await coll.find_one({**q, "_id": mine["_id"]}))["_id"] == mine["_id"]
    assert await coll.find_one({**q, "_id": draft["_id"]}) is None
    assert await coll.find_one({**q, "_id": theirs["_id"]}) is None


async def test_the_tie_query_reads_one_key_value_newest_id_first(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    # cursor.page_after's first query: equality on the sort key alone, sorted by `_id`
    ties = [story("a", status="published", column_id="c1", published_at=5_000) for _ in range(4)]
    others = [
        story("a", status="published", column_id="c1", published_at=at) for at in (4_999, 5_001)
    ]
    coll = await _stories(
        db, [*ties, *others, story("b", status="published", column_id="c1", published_at=5_000)]
    )
    q = {
        "tenant": cursors.eq("a"),
        "status": cursors.eq("published"),
        "column_id": cursors.eq("c1"),
        "published_at": cursors.eq(5_000),
    }
    found = await coll.find(q).sort([("_id", -1)]).limit(10).to_list()
    assert [d["_id"] for d in found] == sorted((d["_id"] for d in ties), reverse=True)


async def test_the_feed_log_page_of_one_tenant_reads_its_entries_above_a_number_in_order(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    # hub/feeds/log.py items_after: one tenant as `$eq` beside a range on seq (index (tenant, seq)),
    # the same entries as the `$in` form several tenants use
    coll = db["feed_items_" + new_id()[-6:]]
    await coll.create_index([("tenant", 1), ("seq", 1)])
    await coll.insert_many(
        [{"_id": f"{n:012d}", "seq": n, "tenant": "ab"[n % 2]} for n in range(1, 21)]
    )
    with_eq = (
        await coll.find({"tenant": {"$eq": "a"}, "seq": {"$gt": 5}})
        .sort([("seq", 1)])
        .limit(4)
        .to_list()
    )
    with_in = (
        await coll.find({"tenant": {"$in": ["a"]}, "seq": {"$gt": 5}})
        .sort([("seq", 1)])
        .limit(4)
        .to_list()
    )
    assert [d["seq"] for d in with_eq] == [d["seq"] for d in with_in] == [6, 8, 10, 12]


async def test_the_feed_log_page_reads_numbers_only_then_entries_by_id_within_the_tenants(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    # hub/feeds/log.py items_after: the numbers of a page (projection on seq), then the
    # entries the process does not remember by `_id` `$in`, with the tenant as `$eq` or `$in`
    coll = db["feed_items_" + new_id()[-6:]]
    await coll.create_index([("tenant", 1), ("seq", 1)])
    await coll.insert_many(
        [
            {"_id": f"{n:012d}", "seq": n, "tenant": "ab"[n % 2], "content": {"title": f"第{n}条"}}
            for n in range(1, 21)
        ]
    )
    numbers = (
        await coll.find({"tenant": {"$eq": "a"}, "seq": {"$gt": 5}}, projection={"seq": 1})
        .sort([("seq", 1)])
        .limit(3)
        .to_list()
    )
    assert numbers == [{"_id": f"{n:012d}", "seq": n} for n in (6, 8, 10)]
    ids = [f"{n:012d}" for n in (6, 7, 10)]  # 7 is b's
    for tenant in ({"$eq": "a"}, {"$in": ["a"]}):
        found = await coll.find({"tenant": tenant, "_id": {"$in": ids}}).to_list()
        assert sorted((d["seq"], d["content"]["title"]) for d in found) == [
            (6, "第6条"),
            (10, "第10条"),
        ]
