"""Identical finds of concurrent requests joined into one (hub/store/coalesce.py
`find_shared`), on the real store: the newsroom's pages and review queue asked by many
editors at once cost one find, and a read still sees every write committed before it."""

from __future__ import annotations

import asyncio

import pytest

from hub.ids import new_id
from hub.store.scope import Scope
from hub.store.stories import StoryFilter, StoryRepository
from tests.conftest import CommandCounter

pytestmark = pytest.mark.usefixtures("hub_url")


def _stories_finds(counter: CommandCounter, tenant: str) -> int:
    return sum(
        1
        for target, flt in zip(counter.targets, counter.filters, strict=True)
        if target == ("find", "stories") and isinstance(flt, dict) and tenant in str(flt)
    )


async def test_identical_pages_asked_at_once_cost_one_find_and_each_gets_the_page(
    command_counter: CommandCounter,
) -> None:
    tenant = "shared-" + new_id()
    repo = StoryRepository(Scope(tenant, actor="editor", public_only=False))
    made = [await repo.create({"title": f"稿{i}", "body_text": "正文"}) for i in range(5)]
    command_counter.clear()
    pages = await asyncio.gather(
        *(repo.page(StoryFilter(), first=3, after=None) for _ in range(12))
    )
    assert _stories_finds(command_counter, tenant) == 1
    newest = [d.id for d in reversed(made)][:3]
    assert all([d.id for d in p.items] == newest and p.has_next for p in pages)
    # each caller has a list of its own (the documents are shared, read-only)
    assert len({id(p.items) for p in pages}) == len(pages)
    # pages after a cursor, and other filters, are finds of their own shape
    command_counter.clear()
    later, drafts = await asyncio.gather(
        repo.page(StoryFilter(), first=3, after=pages[0].cursors[-1]),
        repo.page(StoryFilter(created_by="someone-else"), first=3, after=None),
    )
    assert [d.id for d in later.items] == [d.id for d in reversed(made)][3:]
    assert drafts.items == [] and _stories_finds(command_counter, tenant) == 2


async def test_a_page_asked_after_a_write_sees_it_though_an_identical_find_is_under_way() -> None:
    tenant = "shared-" + new_id()
    repo = StoryRepository(Scope(tenant, actor="editor", public_only=False))
    await repo.create({"title": "旧稿", "body_text": "正文"})
    early = asyncio.create_task(repo.page(StoryFilter(), first=5, after=None))
    await asyncio.sleep(0)  # the early page's find is on its way
    fresh = await repo.create({"title": "新稿", "body_text": "正文"})
    late = await repo.page(StoryFilter(), first=5, after=None)
    assert fresh.id in [d.id for d in late.items]  # joined no find sent before the write
    assert len((await early).items) in (1, 2)
