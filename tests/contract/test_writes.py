"""Contract: the writes the hub relies on. Compare-and-set on an integer `version`, upserted
counters, duplicate `_id` and unique-index refusals (also after a restart), and one winner
when two editors save the same version at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pymongo import IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hub.embedded.store import EmbeddedStore
from hub.ids import new_id
from hub.store.stories import read_model_counter_id
from tests.contract.conftest import client_for, embedded
from tests.contract.stories import story, with_column_indexes, with_story_indexes


def _coll_name(prefix: str) -> str:
    return f"{prefix}_{new_id()[-6:]}"


def _cas_update(title: str) -> dict[str, object]:
    """The update StoryRepository._save sends: new content with $set, the version with $inc."""
    return {
        "$set": {"title": title, "updated_at": 2_000, "updated_by": "dev"},
        "$inc": {"version": 1},
    }


async def test_inserting_an_existing_id_raises_duplicate_key_11000(db: AsyncDatabase) -> None:  # type: ignore[type-arg]
    """ensure_head_revision relies on this to make the revision snapshot idempotent."""
    coll = db[_coll_name("revisions")]
    await coll.insert_one({"_id": "s1:1", "tenant": "a", "number": 1})
    with pytest.raises(DuplicateKeyError) as caught:
        await coll.insert_one({"_id": "s1:1", "tenant": "a", "number": 1})
    assert caught.value.code == 11000
    assert await coll.find_one({"_id": "s1:1"}) == {"_id": "s1:1", "tenant": "a", "number": 1}


async def test_compare_and_set_at_the_current_version_applies_set_and_inc(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    coll = await with_story_indexes(db[_coll_name("stories")])
    doc = story("a")
    await coll.insert_one(doc)
    after = await coll.find_one_and_update(
        {"_id": doc["_id"], "tenant": "a", "version": 1},
        _cas_update("第二版"),
        return_document=ReturnDocument.AFTER,
    )
    assert after is not None
    assert (after["version"], after["title"], after["updated_at"]) == (2, "第二版", 2_000)
    assert after["body"] == doc["body"]  # untouched fields stay
    before = await coll.find_one_and_update(
        {"_id": doc["_id"], "tenant": "a", "version": 2},
        _cas_update("第三版"),
        return_document=ReturnDocument.BEFORE,
    )
    assert before is not None and before["version"] == 2 and before["title"] == "第二版"


async def test_compare_and_set_at_a_stale_version_matches_nothing_and_changes_nothing(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    coll = await with_story_indexes(db[_coll_name("stories")])
    doc = story("a", version=3)
    await coll.insert_one(doc)
    result = await coll.find_one_and_update(
        {"_id": doc["_id"], "tenant": "a", "version": 2},
        _cas_update("过期"),
        return_document=ReturnDocument.AFTER,
    )
    assert result is None
    assert await coll.find_one({"_id": doc["_id"]}) == doc
    other_tenant = await coll.find_one_and_update(
        {"_id": doc["_id"], "tenant": "b", "version": 3},
        _cas_update("越权"),
        return_document=ReturnDocument.AFTER,
    )
    assert other_tenant is None


async def test_two_concurrent_compare_and_sets_at_the_same_version_have_exactly_one_winner(
    db: AsyncDatabase,
    store_uri: str,  # type: ignore[type-arg]
) -> None:
    """Two editors (two connections) save version n at the same moment: one wins, one conflicts."""
    name = _coll_name("stories")
    coll = await with_story_indexes(db[name])
    doc = story("a")
    await coll.insert_one(doc)
    first, second = client_for(store_uri), client_for(store_uri)
    try:
        colls = [c[db.name][name] for c in (first, second)]
        for version in range(1, 11):
            results = await asyncio.gather(
                *(
                    c.find_one_and_update(
                        {"_id": doc["_id"], "tenant": "a", "version": version},
                        _cas_update(f"editor{i}-v{version}"),
                        return_document=ReturnDocument.AFTER,
                    )
                    for i, c in enumerate(colls)
                )
            )
            winners = [r for r in results if r is not None]
            assert len(winners) == 1, (version, results)
            assert winners[0]["version"] == version + 1
        final = await coll.find_one({"_id": doc["_id"]})
        assert final is not None and final["version"] == 11
    finally:
        await first.close()
        await second.close()


async def test_an_upserted_counter_is_created_once_with_its_tenant_then_incremented(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """The read-model generation counter (StoryRepository.bump_read_model): the tenant goes
    in the filter, which an upsert copies into the new document (see test_quirks for why
    not `$setOnInsert` here)."""
    coll = db[_coll_name("counters")]
    key = read_model_counter_id("a")

    async def bump() -> dict[str, object]:
        raw = await coll.find_one_and_update(
            {"_id": key, "tenant": "a"},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert raw is not None
        return raw

    assert await bump() == {"_id": key, "tenant": "a", "value": 1}
    assert await bump() == {"_id": key, "tenant": "a", "value": 2}
    assert await coll.find({}).to_list() == [{"_id": key, "tenant": "a", "value": 2}]


async def test_update_one_upsert_applies_set_on_insert_only_when_inserting(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    coll = db[_coll_name("counters")]
    for _ in range(2):
        await coll.update_one(
            {"_id": "k"},
            {"$inc": {"value": 1}, "$setOnInsert": {"tenant": "a", "created_at": 1}},
            upsert=True,
        )
    await coll.update_one({"_id": "k"}, {"$setOnInsert": {"tenant": "changed"}}, upsert=True)
    assert await coll.find_one({"_id": "k"}) == {
        "_id": "k",
        "value": 2,
        "tenant": "a",
        "created_at": 1,
    }


async def test_a_unique_compound_index_refuses_a_second_slug_in_the_same_tenant(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    coll = await with_column_indexes(db[_coll_name("columns")])
    await coll.insert_one(
        {"_id": new_id(), "tenant": "a", "slug": "news", "name": "新闻", "position": 0}
    )
    await coll.insert_one(
        {"_id": new_id(), "tenant": "b", "slug": "news", "name": "新闻", "position": 0}
    )
    with pytest.raises(DuplicateKeyError) as caught:
        await coll.insert_one(
            {"_id": new_id(), "tenant": "a", "slug": "news", "name": "重复", "position": 1}
        )
    assert caught.value.code == 11000
    rows = await coll.find({"tenant": "a"}).to_list()
    assert [r["name"] for r in rows] == ["新闻"]


@pytest.mark.slow
async def test_a_unique_index_still_refuses_duplicates_after_a_store_restart(
    store_uri: str, tmp_path: Path
) -> None:
    """Embedded: a store of its own is stopped and started on the same data. A configured
    server cannot be restarted from here, so a fresh client checks what the server kept."""
    doc = {"_id": "c1", "tenant": "a", "slug": "news", "name": "新闻", "position": 0}
    db_name = f"contract_restart_{new_id()[-6:]}"
    if embedded():
        store = EmbeddedStore(tmp_path / "store")
        uri = await asyncio.to_thread(store.start)
    else:
        store, uri = None, store_uri
    try:
        c = client_for(uri)
        await with_column_indexes(c[db_name]["columns"])
        await c[db_name]["columns"].insert_one(doc)
        await c.close()
        if store is not None:
            await asyncio.to_thread(store.stop)
            uri = await asyncio.to_thread(store.start)
        c = client_for(uri)
        try:
            coll = c[db_name]["columns"]
            assert await coll.find_one({"_id": "c1"}) == doc
            with pytest.raises(DuplicateKeyError) as caught:
                await coll.insert_one({**doc, "_id": "c2"})
            assert caught.value.code == 11000
            with pytest.raises(DuplicateKeyError):
                await coll.insert_one({**doc, "slug": "other"})
            await c.drop_database(db_name)
        finally:
            await c.close()
    finally:
        if store is not None:
            await asyncio.to_thread(store.stop)


async def test_an_upserted_throttle_counter_increments_and_expired_ones_are_swept(
    db: AsyncDatabase,  # type: ignore[type-arg]
) -> None:
    """What hub/identity/throttle.py sends: $inc + $set, upserted, with the document after; a
    stale counter reset by a range-filtered update; `_id` $in; the sweep by `expire_at`.
    (A date set by an upsert comes back as a string from the embedded store, so the
    throttle keeps milliseconds and sweeps itself instead of a TTL index.)"""
    coll = db[_coll_name("throttle")]
    expiry = 5_000
    update = {
        "$inc": {"failures": 1},
        "$set": {"tenant": "platform", "last_failure_at": 1_000, "expire_at": expiry},
    }
    first = await coll.find_one_and_update(
        {"_id": "user:li"}, update, upsert=True, return_document=ReturnDocument.AFTER
    )
    assert first is not None and first["failures"] == 1 and first["expire_at"] == expiry
    second = await coll.find_one_and_update(
        {"_id": "user:li"}, update, upsert=True, return_document=ReturnDocument.AFTER
    )
    assert second is not None and second["failures"] == 2
    reset = await coll.update_one(
        {"_id": "user:li", "last_failure_at": {"$lt": 2_000}}, {"$set": {"failures": 0}}
    )
    assert reset.modified_count == 1
    found = [d["_id"] async for d in coll.find({"_id": {"$in": ["user:li", "user:li|1.2.3.4"]}})]
    assert found == ["user:li"]
    await coll.insert_one({"_id": "user:wang", "expire_at": 9_000})
    await coll.delete_many({"expire_at": {"$lt": 6_000}})
    assert [d["_id"] async for d in coll.find({})] == ["user:wang"]


async def test_simultaneous_inserts_of_one_id_from_several_connections_have_exactly_one_winner(
    db: AsyncDatabase,
    store_uri: str,  # type: ignore[type-arg]
) -> None:
    """Idempotent creates (hub/store/idempotency.py) claim a key, and then create the object,
    by inserting a chosen `_id`; the audit log claims its sequence numbers the same way.
    Sixteen inserts of each id at once over four connections: one lands, the others raise
    DuplicateKeyError, and the stored document is the winner's."""
    name = _coll_name("claims")
    clients = [client_for(store_uri) for _ in range(4)]
    try:
        colls = [c[db.name][name] for c in clients]
        for round_ in range(5):
            doc_id = f"ik-{round_}"

            async def insert(i: int, doc_id: str = doc_id) -> int | None:
                try:
                    await colls[i % 4].insert_one({"_id": doc_id, "tenant": "a", "writer": i})
                except DuplicateKeyError as exc:
                    assert exc.code == 11000
                    return None
                return i

            results = await asyncio.gather(*(insert(i) for i in range(16)))
            winners = [r for r in results if r is not None]
            assert len(winners) == 1, results
            stored = await db[name].find_one({"_id": doc_id})
            assert stored is not None and stored["writer"] == winners[0]
        assert len(await db[name].find({}).to_list()) == 5
    finally:
        for c in clients:
            await c.close()


async def test_delete_one_on_id_and_a_second_field_leaves_a_document_whose_field_differs(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """A refused idempotent create gives its key back only if the claim still names its
    target (`delete_one({_id, tenant, target_id})`)."""
    coll = db[_coll_name("claims")]
    await coll.insert_one({"_id": "ik-1", "tenant": "a", "target_id": "t2"})
    gone = await coll.delete_one({"_id": "ik-1", "tenant": "a", "target_id": "t1"})
    assert gone.deleted_count == 0 and await coll.find_one({"_id": "ik-1"}) is not None
    gone = await coll.delete_one({"_id": "ik-1", "tenant": "a", "target_id": "t2"})
    assert gone.deleted_count == 1 and await coll.find_one({"_id": "ik-1"}) is None


async def test_an_ordered_insert_many_stops_at_the_first_taken_id_and_names_its_index(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """The audit log's group commit (hub/audit/log.py): consecutive entries in one ordered
    insert; when another process took a number, the ones before it are in, none after it,
    and the error's index says how many got in."""
    coll = db[_coll_name("audit_log")]
    await coll.insert_one({"_id": "t:000000000003", "tenant": "t", "seq": 3, "by": "other"})
    docs = [
        {"_id": f"t:{seq:012d}", "tenant": "t", "seq": seq, "by": "here"} for seq in range(1, 6)
    ]
    with pytest.raises(BulkWriteError) as caught:
        await coll.insert_many(docs, ordered=True)
    [error] = caught.value.details["writeErrors"]
    assert (error["code"], error["index"]) == (11000, 2)
    stored = await coll.find({"tenant": "t"}).sort("seq", 1).to_list()
    assert [(d["seq"], d["by"]) for d in stored] == [(1, "here"), (2, "here"), (3, "other")]
    await coll.insert_many(
        [{"_id": f"t:{seq:012d}", "tenant": "t", "seq": seq, "by": "here"} for seq in (4, 5)],
        ordered=True,
    )
    assert [d["seq"] for d in await coll.find({"tenant": "t"}).sort("seq", 1).to_list()] == [
        1,
        2,
        3,
        4,
        5,
    ]


async def test_a_claim_takes_the_oldest_due_job_of_its_consumer_on_its_index(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """The worker's claim (hub/jobs/queue.py): `$eq` equalities, a range on the due time,
    oldest first; only open jobs of the one consumer, never one not yet due. On the
    embedded store the (consumer, open, ready_at) index answers it (plain equalities
    scanned every job ever made, on every claim of every consumer)."""
    from hub.jobs.queue import ready_filter

    coll = db[_coll_name("jobs")]
    await coll.create_indexes([IndexModel([("consumer", 1), ("open", 1), ("ready_at", 1)])])
    await coll.insert_many(
        [
            {"_id": "done", "consumer": "c", "open": False, "ready_at": 1},
            {"_id": "other", "consumer": "d", "open": True, "ready_at": 2},
            {"_id": "later", "consumer": "c", "open": True, "ready_at": 50},
            {"_id": "due", "consumer": "c", "open": True, "ready_at": 10},
            {"_id": "future", "consumer": "c", "open": True, "ready_at": 1_000},
        ]
    )
    taken = [
        await coll.find_one_and_update(
            ready_filter("c", 100),
            {"$set": {"ready_at": 10_000}},
            sort=[("ready_at", 1)],
            return_document=ReturnDocument.AFTER,
        )
        for _ in range(3)
    ]
    assert [t["_id"] if t else None for t in taken] == ["due", "later", None]
    if embedded():
        plan = await coll.find(ready_filter("c", 100)).sort([("ready_at", 1)]).limit(1).explain()
        assert "USING INDEX" in str(plan["queryPlanner"]["winningPlan"]), plan


async def test_the_audit_head_is_the_highest_number_of_the_tenant_on_its_index(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """The audit append's head read (hub/audit/log.py): `{tenant: {$eq}}` sorted by seq
    descending gives the tenant's newest entry, however the tenants' entries interleave."""
    coll = db[_coll_name("audit_log")]
    await coll.create_indexes(
        [IndexModel([("tenant", 1), ("seq", -1)]), IndexModel([("tenant", 1), ("key", 1)])]
    )
    await coll.insert_many(
        [
            {"_id": f"{t}:{seq}", "tenant": t, "seq": seq, "key": f"k{seq}"}
            for seq in range(1, 40)
            for t in ("a", "b")
            if (seq % 3 == 0) == (t == "a")
        ]
    )
    head = await coll.find_one({"tenant": {"$eq": "a"}}, sort=[("seq", -1)])
    assert head is not None and head["seq"] == 39
    head = await coll.find_one({"tenant": {"$eq": "b"}}, sort=[("seq", -1)])
    assert head is not None and head["seq"] == 38
    assert await coll.find_one({"tenant": {"$eq": "c"}}, sort=[("seq", -1)]) is None
    assert await coll.find_one({"tenant": {"$eq": "a"}, "key": {"$eq": "k6"}}, {"_id": 1}) == {
        "_id": "a:6"
    }
    # the relay's look for several keys at once (hub/audit/log.py `keys_present`)
    found = await coll.find({"tenant": {"$eq": "a"}, "key": {"$in": ["k6", "k7", "k9"]}}).to_list()
    assert sorted(d["key"] for d in found) == ["k6", "k9"]


async def test_what_is_due_of_several_consumers_is_one_find_on_the_open_index(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """The worker's look before it claims (hub/jobs/queue.py `due`): the due jobs of the
    consumers it runs, oldest first, never a closed one, one not yet due or another
    consumer's; on the embedded store the (open, ready_at) index answers it."""
    from hub.jobs.queue import due_filter

    coll = db[_coll_name("jobs")]
    await coll.create_indexes(
        [
            IndexModel([("consumer", 1), ("open", 1), ("ready_at", 1)]),
            IndexModel([("open", 1), ("ready_at", 1)]),
        ]
    )
    await coll.insert_many(
        [
            {"_id": "done", "consumer": "c", "open": False, "ready_at": 1},
            {"_id": "elsewhere", "consumer": "z", "open": True, "ready_at": 2},
            {"_id": "d-due", "consumer": "d", "open": True, "ready_at": 30},
            {"_id": "c-due", "consumer": "c", "open": True, "ready_at": 10},
            {"_id": "c-later", "consumer": "c", "open": True, "ready_at": 1_000},
        ]
    )
    rows = (
        await coll.find(due_filter(["c", "d"], 100), {"consumer": 1}).sort("ready_at", 1).to_list()
    )
    assert [(r["_id"], r["consumer"]) for r in rows] == [("c-due", "c"), ("d-due", "d")]
    if embedded():
        plan = (
            await coll.find(due_filter(["c", "d"], 100)).sort([("ready_at", 1)]).limit(9).explain()
        )
        assert "USING INDEX" in str(plan["queryPlanner"]["winningPlan"]), plan


async def test_claims_of_the_same_jobs_from_several_connections_take_each_job_once(
    db: AsyncDatabase,
    store_uri: str,  # type: ignore[type-arg]
) -> None:
    """The batched claim (hub/jobs/queue.py `claim_ids`): an `update_many` over the ids a
    worker saw due, whose filter is checked again on each document as it is leased, then a
    find of those holding the claim's token. Eight claimers over four connections all go
    for the same 40 jobs, in overlapping batches: every job is leased by exactly one, and
    each claimer finds exactly the jobs it leased."""
    from hub.jobs.queue import still_due

    name = _coll_name("jobs")
    await db[name].insert_many(
        [{"_id": f"j{i:02d}", "consumer": "c", "open": True, "ready_at": i} for i in range(40)]
    )
    clients = [client_for(store_uri) for _ in range(4)]
    try:
        colls = [c[db.name][name] for c in clients]

        async def claimer(i: int) -> list[str]:
            mine: list[str] = []
            ids = [f"j{n:02d}" for n in range(40)]
            for start in range(i % 3, 40, 5):
                batch = ids[start : start + 7]
                token = f"t{i}-{start}"
                await colls[i % 4].update_many(
                    still_due("c", batch, 100),
                    {"$set": {"open": False, "token": token}, "$inc": {"claims": 1}},
                )
                found = await colls[i % 4].find({"_id": {"$in": batch}, "token": token}).to_list()
                mine.extend(d["_id"] for d in found)
            return mine

        results = await asyncio.gather(*(claimer(i) for i in range(8)))
        taken = [job for r in results for job in r]
        assert sorted(taken) == [f"j{n:02d}" for n in range(40)]  # each once, none left
        assert {d["claims"] for d in await db[name].find({}).to_list()} == {1}
    finally:
        for c in clients:
            await c.close()


async def test_an_unordered_insert_many_skips_each_taken_id_and_inserts_the_rest(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """A fan-out's publications and delivery jobs (hub/store/bulk.py `insert_new`): a re-run
    plan inserts all of a story's at once; those already there are refused one by one
    (11000, each with its index) and the others go in."""
    coll = db[_coll_name("publications")]
    await coll.insert_many([{"_id": "p2", "by": "first"}, {"_id": "p4", "by": "first"}])
    with pytest.raises(BulkWriteError) as caught:
        await coll.insert_many(
            [{"_id": f"p{i}", "by": "again"} for i in range(1, 6)], ordered=False
        )
    errors = caught.value.details["writeErrors"]
    assert sorted((e["code"], e["index"]) for e in errors) == [(11000, 1), (11000, 3)]
    stored = {d["_id"]: d["by"] for d in await coll.find({}).to_list()}
    assert stored == {"p1": "again", "p2": "first", "p3": "again", "p4": "first", "p5": "again"}


async def test_a_bulk_write_of_leased_updates_counts_only_those_still_leased(
    db: AsyncDatabase,
) -> None:  # type: ignore[type-arg]
    """Finished jobs recorded together (hub/jobs/queue.py `complete_many`): one unordered
    `bulk_write` of updates on (id, lease token); one whose token changed (its lease was
    lost) is left as it is and not counted."""
    from pymongo import UpdateOne

    coll = db[_coll_name("jobs")]
    await coll.insert_many(
        [{"_id": f"j{i}", "lease_token": "new" if i == 1 else "t", "open": True} for i in range(3)]
    )
    res = await coll.bulk_write(
        [
            UpdateOne({"_id": f"j{i}", "lease_token": "t", "open": True}, {"$set": {"open": False}})
            for i in range(3)
        ],
        ordered=False,
    )
    assert res.matched_count == 2
    assert {d["_id"]: d["open"] for d in await coll.find({}).to_list()} == {
        "j0": False,
        "j1": True,
        "j2": False,
    }


async def test_a_bulk_write_records_finished_jobs_and_leases_the_next_ones_in_one_command(
    db: AsyncDatabase,  # type: ignore[type-arg]
) -> None:
    """A worker's freed slots (hub/jobs/queue.py `complete_and_claim`): one unordered
    `bulk_write` of the finished jobs' updates on (id, lease token) and the claim's
    `update_many` over the ids seen due, each document checked against its own filter:
    a finished job whose lease was lost and a job another worker took stay as they are;
    the find by the claim's token returns exactly the jobs this claim leased."""
    from pymongo import UpdateMany, UpdateOne

    from hub.jobs.queue import still_due

    coll = db[_coll_name("jobs")]
    await coll.insert_many(
        [
            {"_id": "done1", "consumer": "c", "open": True, "lease_token": "t1", "ready_at": 9},
            {"_id": "done2", "consumer": "c", "open": True, "lease_token": "lost", "ready_at": 9},
            *(
                {"_id": f"n{i}", "consumer": "c", "open": True, "ready_at": i, "lease_token": None}
                for i in range(4)
            ),
        ]
    )
    await coll.update_one({"_id": "n2"}, {"$set": {"ready_at": 500, "lease_token": "other"}})
    await coll.bulk_write(
        [
            UpdateOne(
                {"_id": "done1", "lease_token": "t1", "open": True}, {"$set": {"open": False}}
            ),
            UpdateOne(
                {"_id": "done2", "lease_token": "t2", "open": True}, {"$set": {"open": False}}
            ),
            UpdateMany(
                still_due("c", ["n0", "n1", "n2", "n3"], 100),
                {"$set": {"lease_token": "mine", "ready_at": 1_000}, "$inc": {"attempts": 1}},
            ),
        ],
        ordered=False,
    )
    rows = {d["_id"]: d for d in await coll.find({}).to_list()}
    assert (rows["done1"]["open"], rows["done2"]["open"]) == (False, True)
    leased = await coll.find(
        {"_id": {"$in": ["n0", "n1", "n2", "n3"]}, "lease_token": "mine"}
    ).to_list()
    assert sorted(d["_id"] for d in leased) == ["n0", "n1", "n3"]
    assert {d["_id"]: d.get("attempts") for d in leased} == {"n0": 1, "n1": 1, "n3": 1}
    assert rows["n2"]["lease_token"] == "other" and "attempts" not in rows["n2"]
