"""The published read model remembered by the API process (hub/store/published.py):
pages and stories it answers from memory are the store's, and a change to published
content, here or in another process, is seen (issue 15)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar

from hub.graphql.types import STORY_NODE
from hub.ids import new_id
from hub.settings import Settings
from hub.store.catalog import ColumnRepository
from hub.store.documents import ColumnDoc, PublishedStoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import CommandCounter, GraphQLClient

PAGE = """query($col: ID!, $after: String) {
  stories(first: 2, after: $after, filter: {columnId: $col}) {
    edges { node { id title } } pageInfo { endCursor hasNextPage } } }"""
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id } }"
APPROVE = "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 1) { id } }"


async def _publish(editor: GraphQLClient, column_id: str, title: str) -> str:
    story = (
        await editor(CREATE, {"i": {"title": title, "bodyText": "正文", "columnId": column_id}})
    )["createStory"]
    await editor(APPROVE, {"id": story["id"]})
    return str(story["id"])


async def _walk(public: GraphQLClient, column_id: str, text: str) -> list[str]:
    """Every story of the column, page after page (`text` spells the document: a fresh
    one misses the response cache, so the pages are executed)."""
    ids: list[str] = []
    after = None
    while True:
        page: Any = (await public(PAGE + text, {"col": column_id, "after": after}))["stories"]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


async def _store_order(tenant: str, column_id: str) -> list[str]:
    docs = (
        await PublishedStoryDoc.get_pymongo_collection()
        .find({"tenant": tenant, "column_id": column_id, "status": "published"})
        .sort([("published_at", -1), ("_id", -1)])
        .to_list()
    )
    return [d["_id"] for d in docs]


def _finds(counter: CommandCounter) -> int:
    return sum(
        1 for t in counter.targets if t[0] == "find" and t[1] in ("published_stories", "assets")
    )


@pytest.fixture
async def column(hub_settings: Settings) -> str:
    scope = Scope(tenant=hub_settings.default_tenant, actor="dev", public_only=False)
    slug = "mem-" + new_id()[-8:]
    doc = await ColumnRepository(scope).add(ColumnDoc(tenant=scope.tenant, name="记忆", slug=slug))
    return doc.id


async def test_pages_from_memory_are_the_stores_and_follow_publications(
    public: GraphQLClient,
    editor: GraphQLClient,
    drain: Callable[[], Awaitable[None]],
    command_counter: CommandCounter,
    hub_app: Litestar,
    column: str,
) -> None:
    tenant = hub_app.state.settings.default_tenant
    for i in range(5):
        await _publish(editor, column, f"记忆{i}")
    await drain()
    expected = await _store_order(tenant, column)
    assert len(expected) == 5
    assert await _walk(public, column, "") == expected
    # the same walk again, in another text (no response cache): from memory, no store read
    command_counter.clear()
    assert await _walk(public, column, " ") == expected
    assert _finds(command_counter) == 0

    # published here: the generation moves on at once, the new story leads every walk
    newest = await _publish(editor, column, "记忆新")
    await drain()
    walked = await _walk(public, column, "  ")
    assert walked == await _store_order(tenant, column) and walked[0] == newest


async def test_a_change_made_by_another_process_is_seen_with_the_generation(
    public: GraphQLClient,
    editor: GraphQLClient,
    drain: Callable[[], Awaitable[None]],
    hub_app: Litestar,
    column: str,
) -> None:
    tenant = hub_app.state.settings.default_tenant
    for i in range(3):
        await _publish(editor, column, f"别处{i}")
    await drain()
    before = await _walk(public, column, "")
    assert before == await _store_order(tenant, column)
    # another process withdraws the newest from the read model and advances the generation
    # in the store (as its app channel delivery does): this process has not polled yet
    gone = before[0]
    await PublishedStoryDoc.get_pymongo_collection().delete_one({"_id": gone})
    await StoryRepository(Scope(tenant, actor="other", public_only=False)).bump_read_model()
    # what the read cache's poll does (hub/readcache.py, every RONGHUB_READ_CACHE_POLL…)
    await hub_app.state.response_cache.generations.refresh_all()
    after = await _walk(public, column, " ")
    assert after == before[1:] == await _store_order(tenant, column)
    story = await public("query($id: ID!) { story(id: $id) { id } }", {"id": gone})
    assert story["story"] is None


FULL_PAGE = """query($col: ID!) {
  stories(first: 5, filter: {columnId: $col}) {
    edges { node { id title summary publishedAt column { name } } } } }"""


async def test_kept_completions_answer_as_execution_does_and_go_with_the_generation(
    public: GraphQLClient,
    editor: GraphQLClient,
    drain: Callable[[], Awaitable[None]],
    hub_app: Litestar,
    column: str,
) -> None:
    """The stories' completed selections kept in the view (hub/graphql/memo.py) give the
    answer execution gives, and a change to published content is seen at once."""
    tenant = hub_app.state.settings.default_tenant
    for i in range(3):
        await _publish(editor, column, f"完成{i}")
    await drain()
    # the first answer loads the column (not kept: its completion awaited the loader);
    # the next, in another text (no response cache), is kept, and the third uses it
    first = await public(FULL_PAGE, {"col": column})
    assert await public(FULL_PAGE + " ", {"col": column}) == first
    view = hub_app.state.published_cache.for_tenant(tenant)
    stories = [built for (kind, _), (_, built) in view.nodes.items() if kind == STORY_NODE]
    assert len(stories) == 3 and all(view.completions(s) for s in stories)
    assert await public(FULL_PAGE + "   ", {"col": column}) == first
    # another process retitles the newest and advances the generation
    newest = first["stories"]["edges"][0]["node"]["id"]
    await PublishedStoryDoc.get_pymongo_collection().update_one(
        {"_id": newest}, {"$set": {"title": "改过的标题"}}
    )
    await StoryRepository(Scope(tenant, actor="other", public_only=False)).bump_read_model()
    await hub_app.state.response_cache.generations.refresh_all()
    after = await public(FULL_PAGE + "  ", {"col": column})
    assert after["stories"]["edges"][0]["node"]["title"] == "改过的标题"
    assert after["stories"]["edges"][1:] == first["stories"]["edges"][1:]
