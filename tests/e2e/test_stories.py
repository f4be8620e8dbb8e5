"""Stories through GraphQL over real HTTP: create, edit, revisions, diff, restore, read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient, seed_files

CREATE = """
mutation($input: CreateStoryInput!) {
  createStory(input: $input) { id version status title bodyText body contentHash tags }
}"""
UPDATE = """
mutation($input: UpdateStoryInput!) {
  updateStory(input: $input) { id version title bodyText contentHash }
}"""
STORY = """
query($id: ID!) { story(id: $id) { id version title bodyText status
  revisions { number contentHash title } } }"""
DIFF = """
query($id: ID!, $a: Int!, $b: Int!) { diffStory(id: $id, fromRevision: $a, toRevision: $b) {
  changes { field before after hunks { op before after beforeStart afterStart } } } }"""


def split_seed(text: str) -> tuple[str, str]:
    """A seed's first non-empty line is its title; the rest, exactly as is, its body."""
    first, _, rest = text.lstrip("\n").partition("\n")
    return first.strip()[:200], rest


async def create(editor: GraphQLClient, **fields: Any) -> dict[str, Any]:
    data = await editor(CREATE, {"input": fields})
    return data["createStory"]


@pytest.mark.parametrize("seed", seed_files(), ids=lambda p: p.name[:3])
async def test_seed_article_comes_back_unchanged(editor: GraphQLClient, seed: Any) -> None:
    title, body = split_seed(seed.read_text(encoding="utf-8"))
    created = await create(editor, title=title, bodyText=body, tags=["seed"])
    assert created["version"] == 1
    fetched = (await editor(STORY, {"id": created["id"]}))["story"]
    assert fetched["title"] == title
    assert fetched["bodyText"] == body  # punctuation, traditional characters, line breaks
    assert [r["number"] for r in fetched["revisions"]] == [1]
    assert fetched["revisions"][0]["contentHash"] == created["contentHash"]


async def test_editing_a_seed_and_diffing_shows_exactly_the_change(editor: GraphQLClient) -> None:
    seed = next(p for p in seed_files() if p.name.startswith("001"))  # traditional characters
    title, body = split_seed(seed.read_text(encoding="utf-8"))
    created = await create(editor, title=title, bodyText=body)
    target = "村村響"
    assert target in body
    at = body.index(target)
    edited = body[:at] + "應急廣播" + body[at + len(target) :]
    updated = (
        await editor(
            UPDATE, {"input": {"id": created["id"], "expectedVersion": 1, "bodyText": edited}}
        )
    )["updateStory"]
    assert updated["version"] == 2
    assert updated["bodyText"] == edited
    assert updated["contentHash"] != created["contentHash"]

    changes = (await editor(DIFF, {"id": created["id"], "a": 1, "b": 2}))["diffStory"]["changes"]
    assert [c["field"] for c in changes] == ["body"]
    hunks = changes[0]["hunks"]
    assert len(hunks) == 1
    assert hunks[0]["op"] == "replace"
    assert {hunks[0]["before"], hunks[0]["after"]} <= {"村村響", "應急廣播", "村村響"[0:3]}
    assert hunks[0]["beforeStart"] == hunks[0]["afterStart"]


async def test_stale_version_is_refused_with_the_current_version(editor: GraphQLClient) -> None:
    created = await create(editor, title="原标题", bodyText="一")
    await editor(UPDATE, {"input": {"id": created["id"], "expectedVersion": 1, "title": "第二版"}})
    errors = await editor.errors(
        UPDATE, {"input": {"id": created["id"], "expectedVersion": 1, "title": "冲突"}}
    )
    ext = errors[0]["extensions"]
    assert ext["code"] == "VERSION_CONFLICT"
    assert ext["details"] == {"current": 2, "expected": 1}
    assert "当前版本 2" in ext["message_zh"] and "current version 2" in ext["message_en"]
    story = (await editor(STORY, {"id": created["id"]}))["story"]
    assert story["title"] == "第二版" and story["version"] == 2


async def test_restore_makes_an_old_revision_the_new_head(editor: GraphQLClient) -> None:
    created = await create(editor, title="初稿", bodyText="第一段")
    await editor(
        UPDATE,
        {
            "input": {
                "id": created["id"],
                "expectedVersion": 1,
                "title": "改稿",
                "bodyText": "第二段",
            }
        },
    )
    restored = (
        await editor(
            "mutation($id: ID!) { restoreRevision(id: $id, number: 1, expectedVersion: 2) { version title bodyText contentHash } }",
            {"id": created["id"]},
        )
    )["restoreRevision"]
    assert restored == {
        "version": 3,
        "title": "初稿",
        "bodyText": "第一段",
        "contentHash": created["contentHash"],
    }
    revs = (
        await editor(
            "query($id: ID!) { story(id: $id) { revisions { number restoredFrom title } } }",
            {"id": created["id"]},
        )
    )["story"]["revisions"]
    assert revs == [
        {"number": 3, "restoredFrom": 1, "title": "初稿"},
        {"number": 2, "restoredFrom": None, "title": "改稿"},
        {"number": 1, "restoredFrom": None, "title": "初稿"},
    ]


async def test_anonymous_readers_see_published_stories_only(
    editor: GraphQLClient, public: GraphQLClient, drain: Any
) -> None:
    draft = await create(editor, title="未发布稿件", bodyText="草稿", tags=["vis-test"])
    live = await create(editor, title="已发布稿件", bodyText="正文", tags=["vis-test"])
    await editor(
        "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 1) { status } }",
        {"id": live["id"]},
    )
    await drain()  # the app channel publishes the approved revision into the read model

    listing = await public(
        '{ stories(first: 10, filter: {tag: "vis-test"}) { edges { node { id title } } } }'
    )
    assert [e["node"]["title"] for e in listing["stories"]["edges"]] == ["已发布稿件"]
    assert (
        await public(
            STORY.replace("revisions { number contentHash title }", ""), {"id": draft["id"]}
        )
    )["story"] is None

    newsroom = await editor(
        '{ stories(first: 10, filter: {tag: "vis-test"}) { edges { node { title } } } }'
    )
    assert {e["node"]["title"] for e in newsroom["stories"]["edges"]} == {
        "未发布稿件",
        "已发布稿件",
    }


async def test_anonymous_writes_are_refused(public: GraphQLClient) -> None:
    errors = (
        await public(CREATE.replace("createStory", "createStory"), {"input": {"title": "x"}})
        if False
        else await public.errors(CREATE, {"input": {"title": "匿名"}})
    )
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_wrong_token_is_refused_not_read_as_anonymous(http: Any) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ columns { id } }"}, headers={"authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_pages_follow_cursors_without_gaps_or_repeats(editor: GraphQLClient) -> None:
    ids = [
        (await create(editor, title=f"分页{i}", bodyText="x", tags=["paging"]))["id"]
        for i in range(7)
    ]
    seen: list[str] = []
    after = None
    while True:
        page = (
            await editor(
                'query($after: String) { stories(first: 3, after: $after, filter: {tag: "paging"}) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
                {"after": after},
            )
        )["stories"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(ids))
