"""稿件共享/上报: a center offers a story, another center or the platform takes it."""

from __future__ import annotations

import httpx

from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in

OFFER = 'mutation($s: ID!, $to: ID!) { offerStory(storyId: $s, toTenant: $to, note: "供参考") { id status sourceVersion } }'
SHARED = "query($g: ID!) { sharedStory(grantId: $g) { title body grant { fromTenant status } } }"
TAKE = "mutation($g: ID!) { takeSharedStory(grantId: $g) { id title status source { sourceName originalTitle reprint } } }"


async def editor_of(http: httpx.AsyncClient, tenant: str) -> GraphQLClient:
    return GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "editor")))["access_token"]
    )


async def test_an_offered_story_is_readable_and_takeable_by_the_receiver_only(
    http: httpx.AsyncClient,
) -> None:
    a, b, c = (
        await make_tenant("a", "甲县融媒体中心"),
        await make_tenant("b"),
        await make_tenant("c"),
    )
    ea, eb, ec = await editor_of(http, a), await editor_of(http, b), await editor_of(http, c)
    story = (
        await ea(
            'mutation { createStory(input: {title: "甲县新闻", bodyText: "共享正文"}) { id } }'
        )
    )["createStory"]

    # before any offer, B cannot see A's story at all
    assert (await eb("query($id: ID!) { story(id: $id) { id } }", {"id": story["id"]}))[
        "story"
    ] is None
    grant = (await ea(OFFER, {"s": story["id"], "to": b}))["offerStory"]
    assert grant == {"id": grant["id"], "status": "offered", "sourceVersion": 1}

    offers = (await eb("{ shareOffers { id fromTenant storyId } }"))["shareOffers"]
    assert offers == [{"id": grant["id"], "fromTenant": a, "storyId": story["id"]}]
    shared = (await eb(SHARED, {"g": grant["id"]}))["sharedStory"]
    assert (
        shared["title"] == "甲县新闻"
        and "共享正文" in shared["body"]
        and shared["grant"]["fromTenant"] == a
    )
    # the grant opens that one story to B only; B's own story query still stays in B
    assert (await eb("query($id: ID!) { story(id: $id) { id } }", {"id": story["id"]}))[
        "story"
    ] is None
    assert (await ec("{ shareOffers { id } }"))["shareOffers"] == []
    assert (await ec.errors(SHARED, {"g": grant["id"]}))[0]["extensions"]["code"] == "NOT_FOUND"
    assert (await ec.errors(TAKE, {"g": grant["id"]}))[0]["extensions"]["code"] == "NOT_FOUND"

    copy = (await eb(TAKE, {"g": grant["id"]}))["takeSharedStory"]
    assert copy["title"] == "甲县新闻" and copy["status"] == "DRAFT"
    assert copy["source"] == {
        "sourceName": "甲县融媒体中心",
        "originalTitle": "甲县新闻",
        "reprint": True,
    }
    assert copy["id"] != story["id"]
    assert (await eb("query($id: ID!) { story(id: $id) { title } }", {"id": copy["id"]}))["story"][
        "title"
    ] == "甲县新闻"
    assert (await eb.errors(TAKE, {"g": grant["id"]}))[0]["extensions"]["code"] == "INVALID_INPUT"

    outgoing = (await ea("{ outgoingShares { id status takenStoryId toTenant } }"))[
        "outgoingShares"
    ]
    assert outgoing == [
        {"id": grant["id"], "status": "taken", "takenStoryId": copy["id"], "toTenant": b}
    ]


async def test_reporters_cannot_offer_and_nobody_offers_another_centers_story(
    http: httpx.AsyncClient,
) -> None:
    a, b = await make_tenant(), await make_tenant()
    reporter = GraphQLClient(
        http, (await sign_in(http, await make_user(a, "reporter")))["access_token"]
    )
    story = (
        await reporter('mutation { createStory(input: {title: "记者稿", bodyText: "x"}) { id } }')
    )["createStory"]
    assert (await reporter.errors(OFFER, {"s": story["id"], "to": b}))[0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    eb = await editor_of(http, b)
    assert (await eb.errors(OFFER, {"s": story["id"], "to": a}))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"


async def test_the_platform_takes_a_story_reported_by_a_center(
    http: httpx.AsyncClient, hub_settings: object
) -> None:
    from hub.identity.directory import create_tenant
    from hub.store.documents import TenantDoc

    platform = hub_settings.platform_tenant  # type: ignore[attr-defined]
    if await TenantDoc.find_one({"_id": platform, "tenant": platform}) is None:
        await create_tenant(platform, "省级平台", actor="test", kind="platform")
    center = await make_tenant("county", "乙县融媒体中心")
    editor = await editor_of(http, center)
    boss = GraphQLClient(
        http, (await sign_in(http, await make_user(platform, "platform_admin")))["access_token"]
    )
    story = (
        await editor(
            'mutation { createStory(input: {title: "上报稿件", bodyText: "县里的事"}) { id } }'
        )
    )["createStory"]
    grant = (await editor(OFFER, {"s": story["id"], "to": platform}))["offerStory"]
    copy = (await boss(TAKE, {"g": grant["id"]}))["takeSharedStory"]
    assert copy["source"]["sourceName"] == "乙县融媒体中心" and copy["source"]["reprint"] is True
    assert (await boss("query($id: ID!) { story(id: $id) { title } }", {"id": copy["id"]}))[
        "story"
    ]["title"] == "上报稿件"
