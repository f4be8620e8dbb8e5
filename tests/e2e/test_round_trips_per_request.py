"""Store round trips per request, pinned: a story by id, a column page (first and later),
and the writes createStory / updateStory. A new query on one of these paths shows up
here (issue 15: every round trip is paid by every uncached request)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from litestar import Litestar

from hub.ids import new_id
from hub.settings import Settings
from hub.store import cursor as cursors
from hub.store.catalog import AssetRepository, ColumnRepository
from hub.store.documents import AssetDoc, ColumnDoc, PublishedStoryDoc
from hub.store.scope import Scope
from hub.store.stories import READ_AHEAD_PAGES, StoryRepository
from tests.conftest import DEV_TOKEN, CommandCounter, GraphQLClient, drain_hub

STORY = "query($id: ID!) { story(id: $id) { id title body column { name } cover { uri } } }"
PAGE = """query($n: Int!, $col: ID!, $after: String) {
  stories(first: $n, after: $after, filter: {columnId: $col}) {
    edges { node { id title column { name } cover { uri } } } pageInfo { endCursor } } }"""
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
UPDATE = "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { id version } }"


@pytest.fixture(scope="module")
async def column_of_six(
    hub_url: str, hub_settings: Settings, hub_app: Litestar
) -> tuple[str, list[str]]:
    """A fresh column with 6 published stories, each with a cover: (column id, story ids)."""
    scope = Scope(tenant=hub_settings.default_tenant, actor="dev", public_only=False)
    slug = "rtp-" + new_id()[-8:]
    column = await ColumnRepository(scope).add(
        ColumnDoc(tenant=scope.tenant, name="栏目往返", slug=slug)
    )
    cover = await AssetRepository(scope).add(
        AssetDoc(tenant=scope.tenant, uri=f"asset:{slug}", title="封面")
    )
    ids = []
    async with httpx.AsyncClient(base_url=hub_url, timeout=30) as http:
        editor = GraphQLClient(http, DEV_TOKEN)
        for i in range(6):
            story = (
                await editor(
                    CREATE,
                    {
                        "i": {
                            "title": f"往返{i}",
                            "bodyText": "正文",
                            "columnId": column.id,
                            "coverAssetId": cover.id,
                        }
                    },
                )
            )["createStory"]
            await editor(
                "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 1) { id } }",
                {"id": story["id"]},
            )
            ids.append(story["id"])
    await drain_hub(hub_app)
    # distinct publication times (a fast drain may give several the same millisecond, and
    # a page then fills from the cursor's tie group alone: one find fewer)
    for i, story_id in enumerate(ids):
        await PublishedStoryDoc.get_pymongo_collection().update_one(
            {"_id": story_id}, {"$set": {"published_at": 1_000 + i}}
        )
    return column.id, ids


# What the measured paths touch. Left out: the background polls that may fall inside a
# measured request (auth state: users, revocations, clients, signing keys) and so the
# audit's signing-key lookup (hub/audit, counted by its own tests).
COUNTED = {
    "stories",
    "published_stories",
    "columns",
    "assets",
    "revisions",
    "counters",
    "audit_log",
    "newsroom_events",
    "story_locks",
}


def _polled(target: tuple[str, str], flt: Any) -> bool:
    """Not part of the request: another collection, or the read cache's background poll of
    every known tenant's generation (once a second, hub/readcache.py `refresh_all`)."""
    if target[1] not in COUNTED:
        return True
    return (
        target == ("find", "counters")
        and isinstance(flt, dict)
        and isinstance(flt.get("_id"), dict)
    )


def _forget(hub_app: Litestar) -> None:
    """This process forgets the columns and the published read model it remembers, as
    after a restart (hub/store/catalog.py ColumnCache, hub/store/published.py)."""
    tenant = hub_app.state.settings.default_tenant
    hub_app.state.column_cache.forget_tenant(tenant)
    hub_app.state.published_cache.forget_tenant(tenant)


def _limits(counter: CommandCounter) -> list[object]:
    """The `limit` of each find of published stories since the counter was cleared."""
    return [
        n
        for t, n in zip(counter.targets, counter.limits, strict=True)
        if t == ("find", "published_stories")
    ]


async def _trips(
    counter: CommandCounter, client: GraphQLClient, query: str, variables: dict[str, object]
) -> tuple[Counter[tuple[str, str]], dict[str, object]]:
    counter.clear()
    data = await client(query, variables)
    return Counter(
        t for t, f in zip(counter.targets, counter.filters, strict=True) if not _polled(t, f)
    ), data


async def test_a_story_by_id_costs_one_find_for_it_and_one_per_related_collection(
    public: GraphQLClient,
    editor: GraphQLClient,
    command_counter: CommandCounter,
    column_of_six: tuple[str, list[str]],
    hub_app: Litestar,
) -> None:
    _, ids = column_of_six
    _forget(hub_app)
    anonymous, data = await _trips(command_counter, public, STORY, {"id": ids[0]})
    assert data["story"]["column"]["name"] == "栏目往返" and data["story"]["cover"][
        "uri"
    ].startswith("asset:")
    assert anonymous == Counter(
        {("find", "published_stories"): 1, ("find", "columns"): 1, ("find", "assets"): 1}
    )
    # read again in another document text (a response cache miss): the process remembers
    # the published story and its cover (hub/store/published.py), no store read at all
    again, data = await _trips(command_counter, public, STORY + " ", {"id": ids[0]})
    assert data["story"]["cover"]["uri"].startswith("asset:") and again == Counter()
    # signed in: the head; the column is known by now (hub/store/catalog.py ColumnCache);
    # the read-model generation refresh that follows every signed-in request (hub/rest/graphql.py)
    tenant = hub_app.state.settings.default_tenant
    generations = hub_app.state.response_cache.generations
    seen = generations.get(tenant)
    signed_in, data = await _trips(command_counter, editor, STORY, {"id": ids[1]})
    if signed_in[("find", "columns")] and generations.get(tenant) != seen:
        # this hub's own background work (an earlier test's publication, its search
        # consumer) moved the read model meanwhile: the column was rightly read again, as
        # below; the next read knows it
        signed_in, data = await _trips(command_counter, editor, STORY, {"id": ids[1]})
    assert data["story"]["column"]["name"] == "栏目往返" and data["story"]["cover"][
        "uri"
    ].startswith("asset:")
    assert signed_in == Counter(
        {("find", "stories"): 1, ("find", "assets"): 1, ("find", "counters"): 1}
    )
    # published content moved on (here or in another process): columns are read again
    bumped = await StoryRepository(
        Scope(tenant=tenant, actor="dev", public_only=False)
    ).bump_read_model()
    hub_app.state.response_cache.generations.advance(tenant, bumped)
    moved, _ = await _trips(command_counter, editor, STORY, {"id": ids[1]})
    assert moved == Counter(
        {
            ("find", "stories"): 1,
            ("find", "columns"): 1,
            ("find", "assets"): 1,
            ("find", "counters"): 1,
        }
    )


async def test_concurrent_stories_by_id_share_their_finds(
    http: httpx.AsyncClient,
    command_counter: CommandCounter,
    column_of_six: tuple[str, list[str]],
    hub_app: Litestar,
) -> None:
    # distinct uncached reads at once (a shared article opened by many): their stories and
    # covers are read with `$in` finds joined across requests (hub/store/coalesce.py)
    _, ids = column_of_six
    _forget(hub_app)
    reads = [*ids, *ids, *ids, *ids]  # 24 requests, each a distinct document text (cache misses)
    bodies = [
        {"query": STORY + " " * n, "variables": {"id": story_id}}
        for n, story_id in enumerate(reads)
    ]
    command_counter.clear()
    answers = await asyncio.gather(*(http.post("/graphql", json=b) for b in bodies))
    data = [a.json()["data"]["story"] for a in answers]
    assert [d["id"] for d in data] == reads and all(
        d["cover"]["uri"].startswith("asset:") for d in data
    )
    finds = Counter(
        t
        for t, f in zip(command_counter.targets, command_counter.filters, strict=True)
        if not _polled(t, f)
    )
    # (how many share one find depends on timing; that they share is what is pinned)
    assert finds[("find", "published_stories")] < len(reads), finds
    assert finds[("find", "assets")] < len(reads), finds


async def test_a_column_page_costs_one_find_first_and_at_most_one_after_a_cursor(
    public: GraphQLClient,
    command_counter: CommandCounter,
    column_of_six: tuple[str, list[str]],
    hub_app: Litestar,
) -> None:
    column_id, ids = column_of_six
    _forget(hub_app)
    first, data = await _trips(command_counter, public, PAGE, {"n": 2, "col": column_id})
    assert first == Counter(
        {("find", "published_stories"): 1, ("find", "columns"): 1, ("find", "assets"): 1}
    )
    # it read two pages ahead (hub/store/stories.py READ_AHEAD_PAGES), all six stories here,
    # remembered with their order (hub/store/published.py)
    assert _limits(command_counter) == [(2 + 1) * (1 + READ_AHEAD_PAGES)]  # no cursor: no slack
    after = data["stories"]["pageInfo"]["endCursor"]  # type: ignore[index]
    later, data = await _trips(
        command_counter, public, PAGE, {"n": 2, "col": column_id, "after": after}
    )
    assert [e["node"]["id"] for e in data["stories"]["edges"]] == ids[::-1][2:4]  # type: ignore[index]
    # the stories, their order, column and cover are known: no store read at all
    assert later == Counter()
    # the same page in another document text (a response cache miss): all from memory
    again, data = await _trips(
        command_counter, public, PAGE + " ", {"n": 2, "col": column_id, "after": after}
    )
    assert [e["node"]["id"] for e in data["stories"]["edges"]] == ids[::-1][2:4]  # type: ignore[index]
    assert again == Counter()


async def test_a_page_past_what_the_process_knows_reads_only_the_rest(
    public: GraphQLClient,
    command_counter: CommandCounter,
    column_of_six: tuple[str, list[str]],
    hub_app: Litestar,
) -> None:
    column_id, ids = column_of_six
    newest = ids[::-1]
    _forget(hub_app)
    # pages of 1: the first reads 2 + 2 pages ahead: all six, but not that none follow
    await _trips(command_counter, public, PAGE, {"n": 1, "col": column_id})
    assert _limits(command_counter) == [2 * (1 + READ_AHEAD_PAGES)]
    after = cursors.encode("published_at", 1_000 + 1, ids[1])  # the fifth newest
    trips, data = await _trips(
        command_counter, public, PAGE, {"n": 1, "col": column_id, "after": after}
    )
    # the sixth is known, what follows it (is there a next page?) is not: one find of
    # what follows the sixth, with its read-ahead
    assert [e["node"]["id"] for e in data["stories"]["edges"]] == newest[5:]  # type: ignore[index]
    assert data["stories"]["pageInfo"]["endCursor"]  # type: ignore[index]
    assert trips == Counter({("find", "published_stories"): 1})
    assert _limits(command_counter) == [(2 - 1) + 2 * READ_AHEAD_PAGES + cursors.RANGE_SLACK]


async def test_a_page_after_a_cursor_in_a_large_tie_group_reads_the_group_then_the_rest(
    public: GraphQLClient,
    command_counter: CommandCounter,
    column_of_six: tuple[str, list[str]],
    hub_app: Litestar,
) -> None:
    column_id, ids = column_of_six
    coll = PublishedStoryDoc.get_pymongo_collection()
    try:
        # all six share one publication time: the cursor's group is larger than the slack
        # (written behind the read model's generation: the process is told to forget)
        await coll.update_many({"_id": {"$in": ids}}, {"$set": {"published_at": 2_000}})
        _forget(hub_app)
        newest = sorted(ids, reverse=True)
        # without the remembered read model (and so without its read-ahead): a page of 1
        # after the fifth of six: the range read (1 + 1 + slack 1) is all skipped stories
        # but one, so the tie group and then what lies below it are read
        hub_app.state.published_cache.max_docs = 0
        after = cursors.encode("published_at", 2_000, newest[4])
        trips, data = await _trips(
            command_counter, public, PAGE, {"n": 1, "col": column_id, "after": after}
        )
        assert [e["node"]["id"] for e in data["stories"]["edges"]] == newest[5:]  # type: ignore[index]
        assert trips[("find", "published_stories")] == 3
        # with it, the range read with two pages ahead (1 + 1 + 2 * 2 + slack 1) holds them all
        hub_app.state.published_cache.max_docs = hub_app.state.settings.read_model_cache_documents
        trips, data = await _trips(
            command_counter, public, PAGE + " ", {"n": 1, "col": column_id, "after": after}
        )
        assert [e["node"]["id"] for e in data["stories"]["edges"]] == newest[5:]  # type: ignore[index]
        assert trips[("find", "published_stories")] == 1
    finally:
        hub_app.state.published_cache.max_docs = hub_app.state.settings.read_model_cache_documents
        for i, story_id in enumerate(ids):
            await coll.update_one({"_id": story_id}, {"$set": {"published_at": 1_000 + i}})
        _forget(hub_app)


async def test_writes_cost_a_fixed_number_of_round_trips(
    editor: GraphQLClient, command_counter: CommandCounter, column_of_six: tuple[str, list[str]]
) -> None:
    column_id, _ = column_of_six
    created, data = await _trips(
        command_counter,
        editor,
        CREATE,
        {"i": {"title": "往返写", "bodyText": "正文", "columnId": column_id}},
    )
    story = data["createStory"]
    updated, _ = await _trips(
        command_counter,
        editor,
        UPDATE,
        {"i": {"id": story["id"], "expectedVersion": story["version"], "title": "往返写二"}},
    )  # type: ignore[index]
    assert sum(created.values()) <= CREATE_TRIPS, created
    assert sum(updated.values()) <= UPDATE_TRIPS, updated


# Measured when pinned (issue 15), bounds so that writes cannot quietly grow:
# createStory: insert story, revision, audit entry, newsroom event; the audit chain head;
# the newsroom event counter; the read-model generation refresh (2 finds on counters).
CREATE_TRIPS = 8
# updateStory: the head, its edit lock, the compare-and-set, revision, audit (2), event (2),
# the read-model generation refresh.
UPDATE_TRIPS = 9


async def test_concurrent_writes_share_their_round_trips(
    editor: GraphQLClient, command_counter: CommandCounter
) -> None:
    """16 editors writing at once (the newsroom mix, issue 15): the reads of the heads and
    their edit locks, the new stories, the revisions, the audit appends, the newsroom events
    and the read-model re-reads of concurrent writes go to the store together, so a write
    costs a fraction of its round trips alone (measured: 16 creates 18 where alone they
    are 112, 16 updates 63 where alone they are 144)."""
    n = 16
    command_counter.clear()
    created = await asyncio.gather(
        *(editor(CREATE, {"i": {"title": f"并发写{i}", "bodyText": "正文"}}) for i in range(n))
    )
    creates = Counter(
        t
        for t, f in zip(command_counter.targets, command_counter.filters, strict=True)
        if not _polled(t, f)
    )
    stories = [c["createStory"] for c in created]  # type: ignore[index]
    command_counter.clear()
    updated = await asyncio.gather(
        *(
            editor(
                UPDATE,
                {"i": {"id": s["id"], "expectedVersion": s["version"], "title": f"并发改{i}"}},
            )
            for i, s in enumerate(stories)
        )
    )
    updates = Counter(
        t
        for t, f in zip(command_counter.targets, command_counter.filters, strict=True)
        if not _polled(t, f)
    )
    assert [u["updateStory"]["version"] for u in updated] == [2] * n  # type: ignore[index]
    assert sum(creates.values()) <= n * CREATE_TRIPS // 2, creates
    assert sum(updates.values()) <= n * UPDATE_TRIPS * 2 // 3, updates
    # every write's own compare-and-set is its own; the rest is shared
    assert updates[("findAndModify", "stories")] == n
