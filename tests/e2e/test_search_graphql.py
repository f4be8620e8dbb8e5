"""Search over real HTTP: stories saved through GraphQL, indexed by the outbox's entry
point (`handle_story_changed`), found with Chinese queries, highlights and facets."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from hub.ids import new_id
from hub.search import service as search_service
from hub.settings import Settings
from tests.conftest import CommandCounter, GraphQLClient, drain_hub, seed_files

_APP: list[Litestar] = []


@pytest.fixture(autouse=True)
def _remember_app(hub_app: Litestar) -> None:
    _APP[:] = [hub_app]


def hub_app_for_tests() -> Litestar:
    return _APP[0]


CREATE = """mutation($input: CreateStoryInput!) { createStory(input: $input) { id version } }"""
APPROVE = (
    """mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { id status } }"""
)
SEARCH = """
query($q: String!, $filter: SearchFilter, $first: Int, $after: String, $sort: SearchSort) {
  search(query: $q, filter: $filter, first: $first, after: $after, sort: $sort) {
    totalCount typoTolerant didYouMean
    edges { cursor node { score story { id title status } highlights { field fragments } } }
    pageInfo { hasNextPage endCursor }
    facets { field values { value count } }
  }
}"""
SUGGEST = """query($p: String!) { suggest(prefix: $p) { text count } }"""


async def save(editor: GraphQLClient, tenant: str, publish: bool, **fields: Any) -> str:
    created = (await editor(CREATE, {"input": fields}))["createStory"]
    if publish:
        await editor(APPROVE, {"id": created["id"], "v": created["version"]})
    await drain_hub(hub_app_for_tests())  # distribution publishes; the outbox drives indexing
    return str(created["id"])


def seed_001() -> tuple[str, str]:
    path = next(p for p in seed_files() if p.name.startswith("001"))
    first, _, rest = path.read_text(encoding="utf-8").lstrip("\n").partition("\n")
    return first.strip()[:200], rest


async def test_search_finds_traditional_text_with_highlights_and_facets(
    editor: GraphQLClient, public: GraphQLClient, hub_settings: Settings
) -> None:
    tenant = hub_settings.default_tenant
    marker = "栏目" + new_id()[-6:].lower()
    title, body = seed_001()
    published = await save(editor, tenant, True, title=title, bodyText=body, tags=[marker, "seed"])
    draft = await save(
        editor, tenant, False, title="湘乡融媒体草稿", bodyText="草稿正文", tags=[marker]
    )

    data = (await editor(SEARCH, {"q": "湘乡 融媒体", "filter": {"tags": [marker]}}))["search"]
    found = {e["node"]["story"]["id"] for e in data["edges"]}
    assert found == {published, draft}
    facets = {f["field"]: {v["value"]: v["count"] for v in f["values"]} for f in data["facets"]}
    assert facets["status"] == {"published": 1, "draft": 1}
    assert facets["tags"][marker] == 2
    hit = next(e["node"] for e in data["edges"] if e["node"]["story"]["id"] == published)
    assert any("<em>湘鄉</em>" in f for h in hit["highlights"] for f in h["fragments"])

    # anonymous readers see published stories only
    anonymous = (await public(SEARCH, {"q": "湘乡", "filter": {"tags": [marker]}}))["search"]
    assert [e["node"]["story"]["id"] for e in anonymous["edges"]] == [published]


FRAGMENTS = """
query($q: String!, $filter: SearchFilter) {
  search(query: $q, filter: $filter) { ...Found }
}
fragment Found on SearchConnection {
  totalCount
  edges { node { story { id } ... on SearchResult { highlights { field fragments } } } }
  ... on SearchConnection { facets { field values { value count } } }
}"""
BARE = """query($q: String!, $filter: SearchFilter) {
  search(query: $q, filter: $filter) { totalCount edges { node { story { id } } } }
}"""


async def test_facets_and_highlights_asked_for_through_fragments_are_there(
    editor: GraphQLClient, hub_settings: Settings
) -> None:
    marker = "片段" + new_id()[-6:].lower()
    story = await save(
        editor, hub_settings.default_tenant, True, title="岚溪镇文化节开幕", tags=[marker]
    )
    variables = {"q": "文化节", "filter": {"tags": [marker]}}
    data = (await editor(FRAGMENTS, variables))["search"]
    assert [e["node"]["story"]["id"] for e in data["edges"]] == [story]
    assert any(
        "<em>文化节</em>" in f
        for h in data["edges"][0]["node"]["highlights"]
        for f in h["fragments"]
    )
    facets = {f["field"]: {v["value"]: v["count"] for v in f["values"]} for f in data["facets"]}
    assert facets["tags"][marker] == 1
    # a query that selects neither still finds the same story
    bare = (await editor(BARE, variables))["search"]
    assert bare["totalCount"] == 1 and [e["node"]["story"]["id"] for e in bare["edges"]] == [story]


async def test_search_pages_with_cursors(editor: GraphQLClient, hub_settings: Settings) -> None:
    marker = "分页" + new_id()[-6:].lower()
    made = [
        await save(
            editor, hub_settings.default_tenant, True, title=f"社区公告第{i}期", tags=[marker]
        )
        for i in range(3)
    ]
    variables: dict[str, Any] = {
        "q": "社区公告",
        "filter": {"tags": [marker]},
        "first": 2,
        "sort": "PUBLISHED_AT",
    }
    page1 = (await editor(SEARCH, variables))["search"]
    page2 = (await editor(SEARCH, {**variables, "after": page1["pageInfo"]["endCursor"]}))["search"]
    ids = [e["node"]["story"]["id"] for e in page1["edges"] + page2["edges"]]
    assert ids == list(reversed(made))
    assert page1["pageInfo"]["hasNextPage"] and not page2["pageInfo"]["hasNextPage"]


async def test_a_homophone_typo_comes_back_with_did_you_mean(
    editor: GraphQLClient, hub_settings: Settings
) -> None:
    marker = "别字" + new_id()[-6:].lower()
    story = await save(
        editor, hub_settings.default_tenant, True, title="翠屏山下的竹编人", tags=[marker]
    )
    data = (await editor(SEARCH, {"q": "竹鞭手艺", "filter": {"tags": [marker]}}))["search"]
    assert data["didYouMean"] == "竹编手艺"
    assert [e["node"]["story"]["id"] for e in data["edges"]] == [story]


async def test_a_search_that_finds_nothing_reads_no_story(
    public: GraphQLClient, command_counter: CommandCounter
) -> None:
    # no hits: no `_id: {$in: []}` find, which the embedded store answers by reading
    # every story of the tenant (seconds at 100k stories)
    command_counter.clear()
    data = (await public(SEARCH, {"q": "计程车" + new_id()[-6:].lower()}))["search"]
    assert data["totalCount"] == 0 and data["edges"] == []
    assert not [t for t in command_counter.targets if t[1] in ("stories", "published_stories")]


async def test_suggest_completes_pinyin_prefixes(
    editor: GraphQLClient, hub_settings: Settings
) -> None:
    await save(editor, hub_settings.default_tenant, True, title="岚溪湾大桥合龙")
    suggestions = (await editor(SUGGEST, {"p": "lanxi"}))["suggest"]
    assert any(s["text"].startswith("岚溪") for s in suggestions)


async def test_story_changes_are_idempotent_and_a_missing_story_is_removed(
    editor: GraphQLClient, hub_settings: Settings
) -> None:
    tenant = hub_settings.default_tenant
    marker = "重复" + new_id()[-6:].lower()
    story = await save(editor, tenant, True, title="秋粮收购进度", tags=[marker])
    await search_service.handle_story_changed(tenant, story)  # delivered twice
    data = (await editor(SEARCH, {"q": "秋粮", "filter": {"tags": [marker]}}))["search"]
    assert data["totalCount"] == 1
    await search_service.handle_story_changed(tenant, "no-such-story")  # nothing to index: no error
    await search_service.handle_story_changed("another-tenant", story)  # not that tenant's story
    data = (await editor(SEARCH, {"q": "秋粮", "filter": {"tags": [marker]}}))["search"]
    assert data["totalCount"] == 1


async def test_bad_search_input_is_refused_in_chinese(editor: GraphQLClient) -> None:
    errors = await editor.errors(SEARCH, {"q": "x", "first": 1000})
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
    errors = await editor.errors(SEARCH, {"q": "x", "after": "not-a-cursor"})
    assert "游标" in errors[0]["extensions"]["message_zh"]


@pytest.mark.slow
async def test_reindex_command_indexes_stored_stories(
    editor: GraphQLClient, hub_settings: Settings, store_uri: str, tmp_path: Path
) -> None:
    await editor(CREATE, {"input": {"title": "重建索引测试稿"}})
    env = {
        **os.environ,
        "RONGHUB_MONGODB_URI": store_uri,
        "RONGHUB_MONGODB_DB": hub_settings.mongodb_db,
        "RONGHUB_DATA_DIR": str(tmp_path),
    }
    env.pop("RONGHUB_MEILI_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hub.cli",
        "reindex",
        "--tenant",
        hub_settings.default_tenant,
        "--batch",
        "50",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=120)
    stderr = err.decode()
    assert process.returncode == 0, stderr
    indexed = re.search(r"(\d+) 篇稿件已编入索引", stderr)
    assert indexed and int(indexed.group(1)) >= 1, stderr
    assert (tmp_path / "search").is_dir()


async def test_reindex_rebuilds_every_tenant_with_progress(
    editor: GraphQLClient, hub_settings: Settings
) -> None:
    marker = "重建" + new_id()[-6:].lower()
    await editor(
        CREATE, {"input": {"title": "冬季供暖安排", "tags": [marker]}}
    )  # saved, never indexed
    seen: list[tuple[int, int]] = []
    count = await search_service.current().reindex(
        clear=True, batch=7, progress=lambda d, t: seen.append((d, t))
    )
    assert count >= 1 and seen[-1] == (count, count)
    data = (await editor(SEARCH, {"q": "供暖", "filter": {"tags": [marker]}}))["search"]
    assert data["totalCount"] == 1


async def test_a_center_sets_its_dictionary_and_synonyms_apply_at_once(
    editor: GraphQLClient, public: GraphQLClient, hub_settings: Settings
) -> None:
    mutation = """mutation($w: [String!]!, $s: [[String!]!]!) {
      setSearchDictionary(words: $w, synonyms: $s) { words synonyms } }"""
    data = (
        await editor(mutation, {"w": ["岚溪湾", " "], "s": [["村村响", "应急广播"], ["孤词"]]})
    )["setSearchDictionary"]
    assert data == {"words": ["岚溪湾"], "synonyms": [["应急广播", "村村响"]]}
    marker = "词典" + new_id()[-6:].lower()
    await save(editor, hub_settings.default_tenant, True, title="应急广播设备检修", tags=[marker])
    found = (await editor(SEARCH, {"q": "村村響", "filter": {"tags": [marker]}}))["search"]
    assert found["totalCount"] == 1
    errors = await public.errors(mutation, {"w": [], "s": []})
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_unapproved_edit_to_a_published_story_is_not_publicly_searchable(
    editor: GraphQLClient, public: GraphQLClient, hub_settings: Settings
) -> None:
    marker = "审核" + new_id()[-6:].lower()
    story = await save(
        editor,
        hub_settings.default_tenant,
        True,
        title="示例区发布防汛预警",
        bodyText="请市民注意防范。",
        tags=[marker],
    )
    now = (await editor("query($id: ID!) { story(id: $id) { version } }", {"id": story}))["story"][
        "version"
    ]
    await editor(
        "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
        {"i": {"id": story, "expectedVersion": now, "bodyText": "未经审核的改动:水库泄洪时间提前"}},
    )
    await drain_hub(hub_app_for_tests())  # the outbox re-indexes the newsroom head

    query = {"q": "水库泄洪", "filter": {"tags": [marker]}}
    newsroom = (await editor(SEARCH, query))["search"]
    assert [e["node"]["story"]["id"] for e in newsroom["edges"]] == [story]
    anonymous = (await public(SEARCH, query))["search"]
    assert anonymous["edges"] == []  # the public copy is the approved revision
    approved_words = (await public(SEARCH, {"q": "防范", "filter": {"tags": [marker]}}))["search"]
    assert [e["node"]["story"]["id"] for e in approved_words["edges"]] == [story]
    fragments = [
        f for e in approved_words["edges"] for h in e["node"]["highlights"] for f in h["fragments"]
    ]
    assert fragments and not any("泄洪" in f for f in fragments)
