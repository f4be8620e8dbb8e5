"""Reads by id of concurrent requests joined into `$in` finds (hub/store/coalesce.py), on
the real store: each read still gets exactly its own tenant's visible document, a write
committed before a read began is seen by it, and many reads cost few finds."""

from __future__ import annotations

import asyncio

import pytest

from hub.ids import new_id
from hub.store.catalog import AssetRepository
from hub.store.documents import AssetDoc, PublishedStoryDoc, StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import CommandCounter

pytestmark = pytest.mark.usefixtures("hub_url")


def _finds(counter: CommandCounter, collection: str) -> int:
    return sum(1 for t in counter.targets if t == ("find", collection))


async def _published(tenant: str, n: int) -> list[str]:
    repo = StoryRepository(Scope(tenant, actor="editor", public_only=False))
    ids = []
    for i in range(n):
        doc = await repo.create({"title": f"合并读取{i}", "body_text": "正文"})
        await PublishedStoryDoc(
            **{**doc.model_dump(), "status": "published", "title": f"已发布{i}"}
        ).insert()
        ids.append(doc.id)
    return ids


async def test_concurrent_reads_by_id_each_get_their_story_from_a_few_finds(
    command_counter: CommandCounter,
) -> None:
    tenant = "coalesce-" + new_id()
    ids = await _published(tenant, 30)
    public = StoryRepository(Scope(tenant, public_only=True))
    command_counter.clear()
    docs = await asyncio.gather(*(public.get(i) for i in [*ids, "no-such-story"]))
    assert [d.id if d else None for d in docs] == [*ids, None]
    assert all(isinstance(d, PublishedStoryDoc) and d.title.startswith("已发布") for d in docs if d)
    assert _finds(command_counter, "published_stories") < 5  # 31 reads


async def test_a_batch_never_crosses_tenants_nor_shows_the_public_an_unpublished_story() -> None:
    mine, theirs = "coalesce-" + new_id(), "coalesce-" + new_id()
    my_ids, their_ids = await _published(mine, 3), await _published(theirs, 3)
    draft = await StoryRepository(Scope(mine, actor="editor", public_only=False)).create(
        {"title": "草稿", "body_text": "正文"}
    )
    me_public = StoryRepository(Scope(mine, public_only=True))
    them_public = StoryRepository(Scope(theirs, public_only=True))
    me_newsroom = StoryRepository(Scope(mine, actor="editor", public_only=False))
    reads = [
        *(me_public.get(i) for i in [*my_ids, *their_ids, draft.id]),
        *(them_public.get(i) for i in [*my_ids, *their_ids]),
        me_newsroom.get(draft.id),
        me_newsroom.get(their_ids[0]),
    ]
    got = [d.id if d else None for d in await asyncio.gather(*reads)]
    assert got == [*my_ids, *[None] * 4, *[None] * 3, *their_ids, draft.id, None]
    newsroom_doc = await me_newsroom.get(my_ids[0])
    assert type(newsroom_doc) is StoryDoc and newsroom_doc.title.startswith(
        "合并读取"
    )  # the head, not the read model


async def test_a_write_committed_before_a_read_is_seen_while_other_reads_are_at_the_store() -> None:
    tenant = "coalesce-" + new_id()
    ids = await _published(tenant, 20)
    public = StoryRepository(Scope(tenant, public_only=True))
    coll = PublishedStoryDoc.get_pymongo_collection()
    for round_ in range(5):
        busy = [asyncio.ensure_future(public.get(i)) for i in ids]  # finds in flight and waiting
        await asyncio.sleep(0)  # the first batch is sent
        await coll.update_one({"_id": ids[0]}, {"$set": {"title": f"改{round_}"}})
        assert (await public.get(ids[0])).title == f"改{round_}"  # type: ignore[union-attr]
        await coll.delete_one({"_id": ids[-1]})  # taken down
        assert await public.get(ids[-1]) is None
        await asyncio.gather(*busy)
        head = await StoryDoc.get_pymongo_collection().find_one({"_id": ids[-1]})
        assert head is not None
        await coll.insert_one({**head, "status": "published"})


async def test_loader_reads_of_concurrent_requests_share_finds_within_the_tenant(
    command_counter: CommandCounter,
) -> None:
    tenant, other = "coalesce-" + new_id(), "coalesce-" + new_id()
    assets = [
        await AssetRepository(Scope(tenant, actor="e")).add(
            AssetDoc(tenant=tenant, uri=f"asset:{i}")
        )
        for i in range(12)
    ]
    foreign = await AssetRepository(Scope(other, actor="e")).add(
        AssetDoc(tenant=other, uri="asset:theirs")
    )
    repo = AssetRepository(Scope(tenant, public_only=True))
    command_counter.clear()
    got = await asyncio.gather(*(repo.get_many([a.id, foreign.id]) for a in assets))
    assert [list(g) for g in got] == [[a.id] for a in assets]
    assert _finds(command_counter, "assets") < 4
