"""Relay over real HTTP: Global Object Identification (`node`, `nodes`), `totalCount`, and
backward paging (`last`/`before`) that is exact over every page size."""

from __future__ import annotations

from typing import Any

import httpx

from hub.ids import new_id
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_tenant
from tests.e2e.test_read_cache import published
from tests.e2e.test_roles import client_for

CREATE = 'mutation($t: String!, $tag: String!) { createStory(input: {title: $t, bodyText: "正文", tags: [$tag]}) { id } }'
NODE = "query($id: ID!) { node(id: $id) { __typename id ... on Story { title } ... on Column { name } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Story { title } } }"
PAGE = """query($tag: String!, $first: Int, $after: String, $last: Int, $before: String) {
  stories(first: $first, after: $after, last: $last, before: $before, filter: {tag: $tag}) {
    totalCount edges { cursor node { title } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def test_node_refetches_a_story_by_its_id_and_hides_drafts_from_readers(
    editor: GraphQLClient, public: GraphQLClient, drain: Any
) -> None:
    tag = "relay-" + new_id()[-8:]
    live = await published(editor, "已发布", tag, drain)
    draft = (await editor(CREATE, {"t": "草稿", "tag": tag}))["createStory"]
    assert (await public(NODE, {"id": live["id"]}))["node"] == {
        "__typename": "Story",
        "id": live["id"],
        "title": "已发布",
    }
    assert (await public(NODE, {"id": draft["id"]}))["node"] is None
    assert (await editor(NODE, {"id": draft["id"]}))["node"]["title"] == "草稿"
    got = (await editor(NODES, {"ids": [draft["id"], "no-such-id", live["id"]]}))["nodes"]
    assert got == [
        {"id": draft["id"], "title": "草稿"},
        None,
        {"id": live["id"], "title": "已发布"},
    ]


async def test_a_node_id_of_another_center_resolves_to_null(
    editor: GraphQLClient, http: httpx.AsyncClient
) -> None:
    mine = (await editor(CREATE, {"t": "本中心稿件", "tag": "relay"}))["createStory"]
    other = await client_for(http, await make_tenant(), "admin")
    theirs = (await other(CREATE, {"t": "别的中心", "tag": "relay"}))["createStory"]
    assert (await other(NODE, {"id": mine["id"]}))["node"] is None
    assert (await other(NODES, {"ids": [mine["id"], theirs["id"]]}))["nodes"] == [
        None,
        {"id": theirs["id"], "title": "别的中心"},
    ]
    assert (await editor(NODE, {"id": theirs["id"]}))["node"] is None


async def walk(client: GraphQLClient, tag: str, size: int, backward: bool) -> list[str]:
    """Every title of the list, page by page in one direction, as newest-first."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        if backward:
            data = (await client(PAGE, {"tag": tag, "last": size, "before": cursor}))["stories"]
        else:
            data = (await client(PAGE, {"tag": tag, "first": size, "after": cursor}))["stories"]
        titles = [e["node"]["title"] for e in data["edges"]]
        assert len(titles) <= size
        pages.append(titles)
        info = data["pageInfo"]
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        if not more:
            break
        assert len(titles) == size  # only the last page may be short
        cursor = info["startCursor"] if backward else info["endCursor"]
    if backward:
        pages.reverse()
    return [t for page in pages for t in page]


async def test_last_and_before_page_backward_exactly_over_every_page_size(
    http: httpx.AsyncClient,
) -> None:
    tag = "relay-" + new_id()[-8:]
    admin = await client_for(http, await make_tenant(), "admin")
    for n in range(7):
        await admin(CREATE, {"t": f"第{n}篇", "tag": tag})
    forward = await walk(admin, tag, 100, backward=False)
    assert forward == [f"第{n}篇" for n in reversed(range(7))]
    for size in range(1, 9):
        assert await walk(admin, tag, size, backward=True) == forward, size
        assert await walk(admin, tag, size, backward=False) == forward, size
    oldest = (await admin(PAGE, {"tag": tag, "last": 2}))["stories"]
    assert [e["node"]["title"] for e in oldest["edges"]] == ["第1篇", "第0篇"]
    assert oldest["pageInfo"]["hasPreviousPage"] and not oldest["pageInfo"]["hasNextPage"]
    assert oldest["totalCount"] == 7


async def test_backward_paging_of_a_correspondent_limited_to_own_stories_is_exact(
    http: httpx.AsyncClient,
) -> None:
    tag = "relay-" + new_id()[-8:]
    tenant = await make_tenant()
    reporter = await client_for(http, tenant, "correspondent")
    colleague = await client_for(http, tenant, "correspondent")
    for n in range(5):
        await reporter(CREATE, {"t": f"我的{n}", "tag": tag})
        await colleague(CREATE, {"t": f"同事{n}", "tag": tag})  # drafts the reporter may not see
    forward = await walk(reporter, tag, 100, backward=False)
    assert forward == [f"我的{n}" for n in reversed(range(5))]
    for size in (1, 2, 3, 5):
        assert await walk(reporter, tag, size, backward=True) == forward, size
    # counting the visible part is not one cheap count for a limited role: null
    assert (await reporter(PAGE, {"tag": tag, "first": 1}))["stories"]["totalCount"] is None


async def test_after_and_before_together_are_refused_with_a_clear_error(
    editor: GraphQLClient,
) -> None:
    page = (await editor(PAGE, {"tag": "relay", "first": 1}))["stories"]
    cursor = page["pageInfo"]["endCursor"]
    errors = await editor.errors(PAGE, {"tag": "relay", "after": cursor, "before": cursor})
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
    errors = await editor.errors(PAGE, {"tag": "relay", "last": 1, "before": "garbage"})
    assert (
        errors[0]["extensions"]["code"] == "INVALID_INPUT"
        and "before" in errors[0]["extensions"]["message_en"]
    )


async def test_total_count_counts_the_published_list_for_readers(
    editor: GraphQLClient, public: GraphQLClient, drain: Any
) -> None:
    tag = "relay-" + new_id()[-8:]
    for n in range(3):
        await published(editor, f"公开{n}", tag, drain)
    await editor(CREATE, {"t": "草稿", "tag": tag})
    assert (await public(PAGE, {"tag": tag, "first": 1}))["stories"]["totalCount"] == 3
    assert (await editor(PAGE, {"tag": tag, "first": 1}))["stories"]["totalCount"] == 4
