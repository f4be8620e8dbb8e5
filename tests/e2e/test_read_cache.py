"""The anonymous read cache over real HTTP: served from cache, and never stale after a write."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx

from hub.ids import new_id
from tests.conftest import GraphQLClient

CREATE = "mutation($input: CreateStoryInput!) { createStory(input: $input) { id version } }"
APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { version } }"
UPDATE = "mutation($input: UpdateStoryInput!) { updateStory(input: $input) { version } }"
PAGE = '{ stories(first: 5, filter: {tag: "%s"}) { edges { node { title } } } }'


async def request_count(http: httpx.AsyncClient, outcome: str) -> float:
    text = (await http.get("/metrics")).text
    m = re.search(
        r'^ronghub_graphql_requests_total\{outcome="' + outcome + r'"\} (\S+)$', text, re.M
    )
    return float(m.group(1)) if m else 0.0


async def cached_count(http: httpx.AsyncClient) -> float:
    return await request_count(http, "cached")


async def anonymous_titles(http: httpx.AsyncClient, tag: str) -> tuple[list[str], bool]:
    """The page's titles, and whether the answer came from the cache."""
    before = await cached_count(http)
    response = await http.post("/graphql", json={"query": PAGE % tag})
    assert response.status_code == 200, response.text
    titles = [e["node"]["title"] for e in response.json()["data"]["stories"]["edges"]]
    return titles, await cached_count(http) == before + 1


async def published(editor: GraphQLClient, title: str, tag: str, drain: Any) -> dict[str, Any]:
    """Create, approve (签发) and let the app channel publish; returns id and version."""
    story = (await editor(CREATE, {"input": {"title": title, "bodyText": "正文", "tags": [tag]}}))[
        "createStory"
    ]
    await editor(APPROVE, {"id": story["id"], "v": story["version"]})
    await drain()
    now = (await editor("query($id: ID!) { story(id: $id) { version } }", {"id": story["id"]}))[
        "story"
    ]
    return {"id": story["id"], "version": now["version"]}


async def test_a_cached_anonymous_page_changes_after_publishing_and_after_an_approved_correction(
    editor: GraphQLClient, http: httpx.AsyncClient, drain: Any
) -> None:
    tag = "cache-" + new_id()[-8:]
    first = await published(editor, "第一篇", tag, drain)
    assert await anonymous_titles(http, tag) == (["第一篇"], False)
    assert await anonymous_titles(http, tag) == (["第一篇"], True)

    await published(editor, "第二篇", tag, drain)
    assert await anonymous_titles(http, tag) == (["第二篇", "第一篇"], False)
    assert await anonymous_titles(http, tag) == (["第二篇", "第一篇"], True)

    # An edit to a published story is not public until it is approved again...
    edited = (
        await editor(
            UPDATE,
            {
                "input": {
                    "id": first["id"],
                    "expectedVersion": first["version"],
                    "title": "第一篇(更正)",
                }
            },
        )
    )["updateStory"]
    await drain()
    assert await anonymous_titles(http, tag) == (["第二篇", "第一篇"], True)
    # ...and once it is, the cached page is replaced at once.
    await editor(APPROVE, {"id": first["id"], "v": edited["version"]})
    await drain()
    assert await anonymous_titles(http, tag) == (["第二篇", "第一篇(更正)"], False)


async def test_a_draft_does_not_reach_the_cached_page_and_a_token_never_gets_the_cached_answer(
    editor: GraphQLClient, http: httpx.AsyncClient, drain: Any
) -> None:
    tag = "cache-" + new_id()[-8:]
    await published(editor, "已发布", tag, drain)
    await editor(CREATE, {"input": {"title": "草稿", "bodyText": "x", "tags": [tag]}})
    assert (await anonymous_titles(http, tag))[0] == ["已发布"]
    assert await anonymous_titles(http, tag) == (["已发布"], True)

    body = {"query": PAGE % tag}
    newsroom = await http.post(
        "/graphql", json=body, headers={"authorization": f"Bearer {editor.token}"}
    )
    assert {e["node"]["title"] for e in newsroom.json()["data"]["stories"]["edges"]} == {
        "已发布",
        "草稿",
    }
    refused = await http.post("/graphql", json=body, headers={"authorization": "Bearer wrong"})
    assert refused.status_code == 401


async def test_get_queries_are_cached_and_answer_like_post(
    editor: GraphQLClient, http: httpx.AsyncClient, drain: Any
) -> None:
    tag = "cache-" + new_id()[-8:]
    await published(editor, "用GET读取", tag, drain)
    posted = (await http.post("/graphql", json={"query": PAGE % tag})).json()
    before = await cached_count(http)
    got = [await http.get("/graphql", params={"query": PAGE % tag}) for _ in range(2)]
    assert [g.json() for g in got] == [posted, posted]
    assert got[1].headers["content-type"] == "application/json"
    assert await cached_count(http) == before + 1


async def test_a_streamed_body_without_length_is_still_answered(
    editor: GraphQLClient, http: httpx.AsyncClient, drain: Any
) -> None:
    tag = "cache-" + new_id()[-8:]
    await published(editor, "分块请求", tag, drain)
    payload = json.dumps({"query": PAGE % tag}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield payload[:10]
        yield payload[10:]

    for _ in range(2):
        response = await http.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 200
        assert response.json()["data"]["stories"]["edges"] == [{"node": {"title": "分块请求"}}]


async def test_identical_anonymous_requests_after_a_publish_are_computed_once(
    editor: GraphQLClient, http: httpx.AsyncClient, drain: Any
) -> None:
    tag = "cache-" + new_id()[-8:]
    await published(editor, "同时读取", tag, drain)
    executed_before = await request_count(http, "ok")
    answers = await asyncio.gather(
        *(http.post("/graphql", json={"query": PAGE % tag}) for _ in range(12))
    )
    assert {a.content for a in answers} == {answers[0].content}
    assert answers[0].json()["data"]["stories"]["edges"] == [{"node": {"title": "同时读取"}}]
    assert await request_count(http, "ok") == executed_before + 1
