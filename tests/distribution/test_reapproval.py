"""签发 again: approving the unchanged, published revision changes nothing (no new version,
no new publication, the story stays published), and the newsroom and anonymous readers
see the same version number; an edited revision goes back through review and out as a
correction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from hub.distribution import publications as pubs
from hub.settings import Settings
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.usefixtures("hub_url")

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
APPROVE = (
    "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { status version } }"
)
UPDATE = "mutation($id: ID!, $v: Int!, $t: String!) { updateStory(input: {id: $id, expectedVersion: $v, title: $t}) { status version } }"
READ = "query($id: ID!) { story(id: $id) { status version title } }"


async def test_approving_the_published_revision_again_is_a_no_op_and_both_views_agree(
    editor: GraphQLClient,
    public: GraphQLClient,
    drain: Callable[[], Awaitable[None]],
    hub_settings: Settings,
) -> None:
    story = (await editor(CREATE, {"i": {"title": "再次签发", "bodyText": "正文"}}))["createStory"]
    await editor(APPROVE, {"id": story["id"], "v": story["version"]})
    await drain()
    newsroom = (await editor(READ, {"id": story["id"]}))["story"]
    assert newsroom["status"] == "PUBLISHED"
    assert (await public(READ, {"id": story["id"]}))["story"] == newsroom

    again = (await editor(APPROVE, {"id": story["id"], "v": newsroom["version"]}))["approveStory"]
    await drain()
    assert again == {"status": "PUBLISHED", "version": newsroom["version"]}
    assert (
        (await editor(READ, {"id": story["id"]}))["story"]
        == newsroom
        == (await public(READ, {"id": story["id"]}))["story"]
    )
    assert len(await pubs.of_story(hub_settings.default_tenant, story["id"])) == 1


async def test_an_edited_published_story_re_enters_review_and_its_approval_goes_out_as_a_correction(
    editor: GraphQLClient,
    public: GraphQLClient,
    drain: Callable[[], Awaitable[None]],
    hub_settings: Settings,
) -> None:
    story = (await editor(CREATE, {"i": {"title": "原稿", "bodyText": "正文"}}))["createStory"]
    await editor(APPROVE, {"id": story["id"], "v": story["version"]})
    await drain()
    version = (await editor(READ, {"id": story["id"]}))["story"]["version"]
    edited = (await editor(UPDATE, {"id": story["id"], "v": version, "t": "更正稿"}))["updateStory"]
    assert edited["status"] == "IN_REVIEW"
    assert (await public(READ, {"id": story["id"]}))["story"]["title"] == "原稿"
    await editor(APPROVE, {"id": story["id"], "v": edited["version"]})
    await drain()
    newsroom = (await editor(READ, {"id": story["id"]}))["story"]
    assert newsroom["status"] == "PUBLISHED" and newsroom["title"] == "更正稿"
    assert (await public(READ, {"id": story["id"]}))["story"] == newsroom
    actions = sorted(
        (p.action.value, p.revision)
        for p in await pubs.of_story(hub_settings.default_tenant, story["id"])
    )
    assert actions == [("correct", 2), ("publish", 1)]
