"""平台回报 (学习强国 采用) over GraphQL: a documented report with large integers is applied
and reads back exactly, and a report that cannot be applied is refused with a code and
changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from hub.distribution import publications as pubs
from hub.distribution.states import Action, PubState
from hub.settings import Settings
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.usefixtures("hub_url")

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id } }"
REPORT = (
    "mutation($id: ID!, $r: JSON!) { reportPlatformStatus(publicationId: $id, report: $r) "
    "{ state platformStatus ledger { toState evidence } } }"
)
READ = (
    "query($id: ID!) { publications(storyId: $id) { id state platformStatus ledger { evidence } } }"
)
REPORTED_AT = 1_765_000_000_123  # ms: far above 2^31


async def _submitted_to_xuexi(editor: GraphQLClient, settings: Settings) -> tuple[str, str]:
    """A story in the 学习强国 feed, waiting for the operators' adoption report."""
    story_id = (await editor(CREATE, {"i": {"title": "学习强国稿件", "bodyText": "正文"}}))[
        "createStory"
    ]["id"]
    pub = await pubs.plan(
        tenant=settings.default_tenant,
        story_id=story_id,
        revision=1,
        revision_id=f"{story_id}:1",
        channel="xuexi",
        action=Action.PUBLISH,
    )
    pub = await pubs.move(pub, PubState.DELIVERING, actor="test")
    await pubs.move(
        pub,
        PubState.ACCEPTED,
        actor="test",
        external_id=story_id,
        delivery={"external_id": story_id, "details": {}, "status": {"state": "accepted"}},
    )
    return story_id, pub.id


async def test_an_adoption_report_with_reported_at_ms_is_applied_and_reads_back_exactly(
    editor: GraphQLClient, hub_settings: Settings
) -> None:
    story_id, pub_id = await _submitted_to_xuexi(editor, hub_settings)
    report: dict[str, Any] = {
        "item_id": story_id,
        "adopted": True,
        "reported_at_ms": REPORTED_AT,
        "column": "地方融媒",
        "extra": {"views_total": 2**62 + 1},
    }
    done = (await editor(REPORT, {"id": pub_id, "r": report}))["reportPlatformStatus"]
    assert (
        done["state"] == "live"
        and done["platformStatus"]["details"]["reported_at_ms"] == REPORTED_AT
    )
    [read] = (await editor(READ, {"id": story_id}))["publications"]
    assert (
        read["state"] == "live"
        and read["platformStatus"]["details"]["reported_at_ms"] == REPORTED_AT
    )
    assert read["ledger"][-1]["evidence"]["report"] == report


@pytest.mark.parametrize(
    "bad",
    [
        {"reported_at_ms": 2**70},  # more than the store keeps
        {"reported_at_ms": "昨天"},
        {"reported_at_ms": -5},
        {"adopted": "yes"},
        {"column": ["a"]},
    ],
)
async def test_a_report_that_cannot_be_applied_is_refused_and_changes_nothing(
    editor: GraphQLClient, hub_settings: Settings, bad: dict[str, Any]
) -> None:
    story_id, pub_id = await _submitted_to_xuexi(editor, hub_settings)
    errors = await editor.errors(
        REPORT, {"id": pub_id, "r": {"item_id": story_id, "adopted": True, **bad}}
    )
    assert errors[0]["extensions"]["code"] == "STATUS_REPORT_INVALID", errors
    assert "没有改动" in errors[0]["extensions"]["message_zh"]
    [read] = (await editor(READ, {"id": story_id}))["publications"]
    assert read["state"] == "accepted" and len(read["ledger"]) == 3


async def test_counts_and_sizes_beyond_32_bits_read_back_over_graphql(
    editor: GraphQLClient, hub_settings: Settings
) -> None:
    from hub.store.documents import AssetDoc

    story_id, pub_id = await _submitted_to_xuexi(editor, hub_settings)
    pub = await pubs.get(pub_id)
    assert pub is not None
    await pubs.set_metrics(
        pub,
        {
            "views": 3_000_000_000,
            "likes": 7,
            "comments": None,
            "shares": 2**40,
            "fetched_at": REPORTED_AT,
        },
    )
    [read] = (
        await editor(
            "query($id: ID!) { publications(storyId: $id) { metrics { views likes comments shares } } }",
            {"id": story_id},
        )
    )["publications"]
    assert read["metrics"] == {
        "views": 3_000_000_000,
        "likes": 7,
        "comments": None,
        "shares": 2**40,
    }
    video = AssetDoc(
        tenant=hub_settings.default_tenant,
        kind="video",
        uri="asset:big",
        mime="video/mp4",
        size=4 * 2**30,
    )
    await video.insert()
    found = (await editor("query($id: ID!) { asset(id: $id) { size } }", {"id": video.id}))["asset"]
    assert found == {"size": 4 * 2**30}
