"""Keyset pages after a cursor (hub/store/cursor.py `page_after`): two index-served
queries, the rest of the cursor's tie group and then everything below it, must read
exactly what the one-filter `$or` form reads: no story missed or repeated across pages,
even with many stories sharing one timestamp and new ones arriving between pages."""

from __future__ import annotations

import pytest

from hub.domain.permissions import Grant, PrincipalKind, Role
from hub.domain.story import StoryStatus
from hub.ids import new_id
from hub.store.documents import StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryFilter, StoryRepository
from tests.conftest import CommandCounter

pytestmark = pytest.mark.usefixtures("hub_url")


async def test_pages_through_a_large_tie_group_while_stories_arrive() -> None:
    repo = StoryRepository(Scope("keyset-" + new_id(), actor="editor", public_only=False))
    ids = [(await repo.create({"title": f"稿件{i}", "body_text": "正文"})).id for i in range(14)]
    # ten of them share one updated_at (a bulk import), between two distinct ones
    coll = StoryDoc.get_pymongo_collection()
    await coll.update_many({"_id": {"$in": ids[2:12]}}, {"$set": {"updated_at": 5_000}})
    await coll.update_one({"_id": ids[12]}, {"$set": {"updated_at": 9_000}})
    await coll.update_one({"_id": ids[13]}, {"$set": {"updated_at": 1_000}})
    await coll.update_many({"_id": {"$in": ids[:2]}}, {"$set": {"updated_at": 7_000}})

    seen: list[str] = []
    after = None
    while True:
        page = await repo.page(StoryFilter(), first=3, after=after)
        seen += [d.id for d in page.items]
        if not page.has_next:
            break
        after = page.cursors[-1]
        await repo.create(
            {"title": "翻页期间新来的稿件", "body_text": "正文"}
        )  # newer: before the cursor

    ours = [i for i in seen if i in ids]
    assert len(ours) == len(set(ours)) == 14  # none missed, none repeated
    expected = [ids[12], *sorted(ids[:2], reverse=True), *sorted(ids[2:12], reverse=True), ids[13]]
    assert ours == expected  # (updated_at, _id) descending


async def test_a_time_window_still_bounds_pages_after_a_cursor() -> None:
    repo = StoryRepository(Scope("keyset-" + new_id(), actor="editor", public_only=False))
    ids = [(await repo.create({"title": f"稿件{i}", "body_text": "正文"})).id for i in range(6)]
    coll = StoryDoc.get_pymongo_collection()
    for n, story_id in enumerate(ids):
        await coll.update_one({"_id": story_id}, {"$set": {"updated_at": 1_000 * (n + 1)}})
    window = StoryFilter(since=2_000, until=5_000)  # 2000, 3000, 4000
    first = await repo.page(window, first=2, after=None)
    rest = await repo.page(window, first=2, after=first.cursors[-1])
    assert [d.id for d in first.items + rest.items] == [
        ids[3],
        ids[2],
        ids[1],
    ] and not rest.has_next


async def test_a_correspondent_pages_published_and_own_stories_without_an_or_filter(
    command_counter: CommandCounter,
) -> None:
    tenant = "keyset-" + new_id()
    system = StoryRepository(Scope(tenant, actor="editor", public_only=False))
    mine = Scope(
        tenant,
        actor="u-corr",
        public_only=False,
        kind=PrincipalKind.USER,
        user_id="u-corr",
        grants=(Grant(Role.CORRESPONDENT),),
    )
    own = StoryRepository(mine)
    coll = StoryDoc.get_pymongo_collection()
    published = [
        (await system.create({"title": f"已发{i}", "body_text": "正文"})).id for i in range(5)
    ]
    await coll.update_many({"_id": {"$in": published}}, {"$set": {"status": "published"}})
    others_drafts = [
        (await system.create({"title": f"他人草稿{i}", "body_text": "正文"})).id for i in range(3)
    ]
    my_drafts = [
        (await own.create({"title": f"我的草稿{i}", "body_text": "正文"})).id for i in range(4)
    ]
    for n, story_id in enumerate(
        [*published, *others_drafts, *my_drafts]
    ):  # interleaved times, one tie
        await coll.update_one(
            {"_id": story_id}, {"$set": {"updated_at": 1_000 + (n * 7) % 12 + (n == 3)}}
        )
    docs = await coll.find({"_id": {"$in": [*published, *my_drafts]}}).to_list()
    expected = [
        d["_id"] for d in sorted(docs, key=lambda d: (d["updated_at"], d["_id"]), reverse=True)
    ]

    command_counter.clear()
    seen: list[str] = []
    after = None
    while True:
        page = await own.page(StoryFilter(), first=3, after=after)
        seen += [d.id for d in page.items]
        if not page.has_next:
            break
        after = page.cursors[-1]
    assert seen == expected and not set(seen) & set(others_drafts)
    # every read index-served: no `$or` reaches the store (it reads the whole tenant)
    story_filters = [
        f
        for (c, coll_name), f in zip(command_counter.targets, command_counter.filters, strict=True)
        if c == "find" and coll_name == "stories"
    ]
    assert story_filters and not any("$or" in str(f) for f in story_filters)
    # by id, one or many: the same rule, also without an `$or`
    command_counter.clear()
    assert sorted(await own.get_many([*published, *others_drafts, *my_drafts])) == sorted(
        [*published, *my_drafts]
    )
    assert await own.get(others_drafts[0]) is None and await own.get(my_drafts[0]) is not None
    assert not any("$or" in str(f) for f in command_counter.filters)
    # a status filter keeps to its branch: only my drafts
    drafts = await own.page(StoryFilter(status=StoryStatus.DRAFT), first=10, after=None)
    assert sorted(d.id for d in drafts.items) == sorted(my_drafts)
