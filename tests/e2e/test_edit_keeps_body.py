"""Editing one field leaves the others exactly as they were."""

from __future__ import annotations

from tests.conftest import GraphQLClient


async def test_a_title_edit_leaves_a_plain_text_body_byte_for_byte(editor: GraphQLClient) -> None:
    body = "第一行\r\n\u3000\u3000第二行\xa0完\ufeff"
    created = (
        await editor(
            "mutation($i: CreateStoryInput!) { createStory(input: $i) { id bodyText } }",
            {"i": {"title": "初稿", "bodyText": body}},
        )
    )["createStory"]
    assert created["bodyText"] == body
    await editor(
        "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
        {"i": {"id": created["id"], "expectedVersion": 1, "title": "改了标题"}},
    )
    story = (
        await editor("query($id: ID!) { story(id: $id) { bodyText } }", {"id": created["id"]})
    )["story"]
    assert story["bodyText"] == body
    diff = (
        await editor(
            "query($id: ID!) { diffStory(id: $id, fromRevision: 1, toRevision: 2) { changes { field } } }",
            {"id": created["id"]},
        )
    )["diffStory"]
    assert diff["changes"] == [{"field": "title"}]
