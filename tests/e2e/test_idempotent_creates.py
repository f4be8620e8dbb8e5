"""Idempotent creates over real HTTP: a create sent again with its `idempotencyKey` returns
the object already made, never a second one — also when the two requests run at the same
time; another input under the same key is refused (IDEMPOTENCY_KEY_REUSED); keys are the
user's own; a refused create gives its key back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub.ids import new_id
from hub.store.documents import StoryDoc
from hub.store.idempotency import IdempotencyKeyDoc
from tests.e2e.identity_helpers import make_tenant
from tests.feeds.helpers import gql as raw_gql
from tests.feeds.helpers import make_partner
from tests.planning.flow import errors, gql, person

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version title } }"


async def stories_titled(tenant: str, title: str) -> list[StoryDoc]:
    return await StoryDoc.find({"tenant": tenant, "title": title}).to_list()


async def test_a_create_sent_again_with_its_key_returns_the_same_story_and_makes_no_second(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    editor, _ = await person(http, tenant, "editor")
    key = str(new_id())
    story = {
        "title": "重试也只有一篇",
        "bodyText": "正文。",
        "tags": ["民生"],
        "idempotencyKey": key,
    }
    first = (await gql(http, editor, CREATE, {"i": story}))["createStory"]
    again = (await gql(http, editor, CREATE, {"i": story}))["createStory"]
    assert again == first
    assert [s.id for s in await stories_titled(tenant, "重试也只有一篇")] == [first["id"]]

    # later, after an edit, the retry still names the same story (as it is now)
    await gql(
        http,
        editor,
        "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
        {"i": {"id": first["id"], "expectedVersion": 1, "title": "重试也只有一篇(改)"}},
    )
    late = (await gql(http, editor, CREATE, {"i": story}))["createStory"]
    assert late["id"] == first["id"] and late["version"] == 2
    assert await stories_titled(tenant, "重试也只有一篇") == []


async def test_twelve_simultaneous_creates_with_one_key_make_one_story(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    editor, _ = await person(http, tenant, "editor")
    story = {"title": "同时到达的重试", "bodyText": "正文。", "idempotencyKey": str(new_id())}
    for _ in range(3):  # three rounds, a fresh key each
        story["idempotencyKey"] = str(new_id())
        answers = await asyncio.gather(
            *(gql(http, editor, CREATE, {"i": story}) for _ in range(12))
        )
        assert len({a["createStory"]["id"] for a in answers}) == 1
    assert len(await stories_titled(tenant, "同时到达的重试")) == 3


async def test_the_same_key_with_other_input_is_refused_with_its_code(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    editor, _ = await person(http, tenant, "editor")
    key = str(new_id())
    await gql(http, editor, CREATE, {"i": {"title": "原稿", "idempotencyKey": key}})
    ext = await errors(http, editor, CREATE, {"i": {"title": "另一篇", "idempotencyKey": key}})
    assert (
        ext["code"] == "IDEMPOTENCY_KEY_REUSED"
        and key in ext["message_zh"]
        and "新建稿件" in ext["message_zh"]
    )
    assert await stories_titled(tenant, "另一篇") == []


async def test_keys_belong_to_their_user_and_operation(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    one, _ = await person(http, tenant, "editor")
    two, _ = await person(http, tenant, "editor")
    key = str(new_id())
    a = (await gql(http, one, CREATE, {"i": {"title": "各自的稿", "idempotencyKey": key}}))[
        "createStory"
    ]
    b = (await gql(http, two, CREATE, {"i": {"title": "各自的稿", "idempotencyKey": key}}))[
        "createStory"
    ]
    assert a["id"] != b["id"]
    lead = await gql(
        http,
        one,
        "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
        {"i": {"title": "线索", "source": "CITIZEN", "idempotencyKey": key}},
    )
    assert lead["createLead"]["id"] not in (a["id"], b["id"])


async def test_a_refused_create_gives_its_key_back_for_the_corrected_input(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    editor, _ = await person(http, tenant, "editor")
    key = str(new_id())
    ext = await errors(http, editor, CREATE, {"i": {"title": "   ", "idempotencyKey": key}})
    assert ext["code"] == "INVALID_INPUT"
    assert await IdempotencyKeyDoc.find({"tenant": tenant}).to_list() == []
    made = (await gql(http, editor, CREATE, {"i": {"title": "改好了", "idempotencyKey": key}}))[
        "createStory"
    ]
    assert made["title"] == "改好了"


async def test_a_malformed_key_is_refused_before_anything_is_written(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    editor, _ = await person(http, tenant, "editor")
    for bad in ("", "x" * 201, "a\nb"):
        ext = await errors(http, editor, CREATE, {"i": {"title": "坏键", "idempotencyKey": bad}})
        assert ext["code"] == "INVALID_INPUT" and ext["details"]["field"] == "idempotencyKey"
    assert await stories_titled(tenant, "坏键") == []


async def test_planning_creates_and_comments_sent_twice_return_the_same_object(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    editor, _ = await person(http, tenant, "editor")
    reporter, reporter_id = await person(http, tenant, "reporter")

    async def twice(headers: dict[str, str], query: str, field: str, input_: dict[str, Any]) -> str:
        input_ = {**input_, "idempotencyKey": str(new_id())}
        answers = await asyncio.gather(
            *(gql(http, headers, query, {"i": input_}) for _ in range(4))
        )
        ids = {a[field]["id"] for a in answers}
        assert len(ids) == 1, (field, ids)
        return ids.pop()

    lead = await twice(
        reporter,
        "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
        "createLead",
        {"title": "村口路灯坏了", "source": "CITIZEN"},
    )
    await gql(http, editor, "mutation($id: ID!) { acceptLead(id: $id) { id } }", {"id": lead})
    topic = await twice(
        reporter,
        "mutation($i: ProposeTopicInput!) { proposeTopic(input: $i) { id } }",
        "proposeTopic",
        {"title": "路灯维修追踪", "channels": ["app"], "leadIds": [lead]},
    )
    await gql(http, editor, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": topic})
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await twice(
        editor,
        "mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id } }",
        "dispatchAssignment",
        {"topicId": topic, "assignees": [reporter_id], "kind": "TEXT", "deadline": due},
    )
    story = (await gql(http, reporter, CREATE, {"i": {"title": "路灯修好了"}}))["createStory"]["id"]
    await twice(
        editor,
        "mutation($i: AddCommentInput!) { addComment(input: $i) { id } }",
        "addComment",
        {"storyId": story, "text": "标题再具体些"},
    )

    counts = {}
    for query, field in (
        ("{ leads(first: 50) { edges { node { id } } } }", "leads"),
        ("{ topics(first: 50) { edges { node { id } } } }", "topics"),
        ("{ assignments(first: 50) { edges { node { id } } } }", "assignments"),
    ):
        counts[field] = len((await gql(http, editor, query))[field]["edges"])
    comments = (
        await gql(http, editor, "query($id: ID!) { comments(storyId: $id) { id } }", {"id": story})
    )["comments"]
    assert counts == {"leads": 1, "topics": 1, "assignments": 1} and len(comments) == 1


async def test_a_partner_subscribing_twice_at_once_with_one_key_gets_one_subscription(
    http: httpx.AsyncClient,
) -> None:
    partner = await make_partner(http)
    query = 'mutation($k: String!) { createFeedSubscription(name: "合作方订阅", idempotencyKey: $k) { id } }'
    key = str(new_id())
    answers = await asyncio.gather(
        *(raw_gql(http, partner.headers, query, {"k": key}) for _ in range(4))
    )
    assert len({a["data"]["createFeedSubscription"]["id"] for a in answers}) == 1, answers
    listed = await raw_gql(http, partner.headers, "{ feedSubscriptions { id } }")
    assert len(listed["data"]["feedSubscriptions"]) == 1, listed
    other = await raw_gql(
        http,
        partner.headers,
        'mutation($k: String!) { createFeedSubscription(name: "另一个", idempotencyKey: $k) { id } }',
        {"k": key},
    )
    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_key_names_its_create_for_the_retention_window_and_is_free_after_it(
    http: httpx.AsyncClient,
) -> None:
    from hub.store import idempotency

    tenant = await make_tenant()
    editor, _ = await person(http, tenant, "editor")
    story = {"title": "过了保留期的重试", "bodyText": "正文。", "idempotencyKey": str(new_id())}
    first = (await gql(http, editor, CREATE, {"i": story}))["createStory"]
    window_ms = idempotency.config.retention_seconds * 1000
    coll = IdempotencyKeyDoc.get_pymongo_collection()
    # the claim is a millisecond inside its window: still the same story
    await coll.update_many({"tenant": tenant}, {"$inc": {"created_at": -(window_ms - 60_000)}})
    assert (await gql(http, editor, CREATE, {"i": story}))["createStory"]["id"] == first["id"]
    # past the window: the key is free again and names a new create
    await coll.update_many({"tenant": tenant}, {"$inc": {"created_at": -120_000}})
    second = (await gql(http, editor, CREATE, {"i": story}))["createStory"]
    assert second["id"] != first["id"]
    assert sorted(s.id for s in await stories_titled(tenant, "过了保留期的重试")) == sorted(
        [first["id"], second["id"]]
    )
    # and the renewed claim holds for the new story
    assert (await gql(http, editor, CREATE, {"i": story}))["createStory"]["id"] == second["id"]


async def test_the_sweep_removes_only_the_tenant_s_expired_claims(http: httpx.AsyncClient) -> None:
    from hub.ids import now_ms
    from hub.store import idempotency

    tenant, other = await make_tenant(), await make_tenant()
    now = now_ms()
    old = now - idempotency.config.retention_seconds * 1000 - 1
    coll = IdempotencyKeyDoc.get_pymongo_collection()
    base = {
        "actor": "u",
        "operation": "createStory",
        "key": "k",
        "fingerprint": "f",
        "target_id": "x",
    }
    await coll.insert_many(
        [
            {**base, "_id": f"ik-old-{tenant}", "tenant": tenant, "created_at": old},
            {**base, "_id": f"ik-new-{tenant}", "tenant": tenant, "created_at": now},
            {**base, "_id": f"ik-old-{other}", "tenant": other, "created_at": old},
        ]
    )
    assert await idempotency.sweep(tenant, now) == 1
    left = [d["_id"] async for d in coll.find({"tenant": {"$in": [tenant, other]}})]
    assert sorted(left) == sorted([f"ik-new-{tenant}", f"ik-old-{other}"])
