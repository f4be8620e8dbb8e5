"""三审 over GraphQL with real reviewers: 初审 → 复审 → 终审 → 签发, and the refusals."""

from __future__ import annotations

from typing import Any

import httpx

from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import GraphQLClient, drain_hub, seed_files
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
SUBMIT = "mutation($id: ID!, $v: Int!) { submitForReview(id: $id, expectedVersion: $v) { status currentStage { name } } }"
SIGN = "mutation($id: ID!, $d: ReviewDecision!, $o: String!) { signOff(storyId: $id, decision: $d, opinion: $o) { status currentStage { name } signOffs { stage reviewer contentHash } } }"
STORY = "query($id: ID!) { story(id: $id) { version status revision: contentHash } }"


async def client(http: httpx.AsyncClient, tenant: str, *grants: str) -> tuple[GraphQLClient, str]:
    """A signed-in user holding `grants`, and the user id sign-offs record."""
    name = await make_user(tenant, *grants)
    c = GraphQLClient(http, (await sign_in(http, name))["access_token"])
    return c, (await c("{ me { subject } }"))["me"]["subject"]


async def version(c: GraphQLClient, sid: str) -> int:
    return int((await c("query($id: ID!) { story(id: $id) { version } }", {"id": sid}))["story"]["version"])


async def test_a_seed_article_goes_through_three_reviewers_to_approval(http: httpx.AsyncClient, hub_app: Any) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, first_id = await client(http, tenant, "reviewer:first", "reviewer:second")  # may sign two stages' roles
    second, _ = await client(http, tenant, "reviewer:second")
    final, _ = await client(http, tenant, "reviewer:final")
    title, _, body = next(p for p in seed_files() if p.name.startswith("003")).read_text(encoding="utf-8").lstrip().partition("\n")
    sid = (await reporter(CREATE, {"i": {"title": title.strip(), "bodyText": body}}))["createStory"]["id"]

    submitted = (await reporter(SUBMIT, {"id": sid, "v": 1}))["submitForReview"]
    assert submitted == {"status": "in_review", "currentStage": {"name": "初审"}}
    wrong = await final.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
    assert wrong[0]["extensions"]["code"] == "REVIEW_WRONG_ROLE" and "初审" in wrong[0]["message"]
    step = (await first(SIGN, {"id": sid, "d": "APPROVE", "o": "导语清楚"}))["signOff"]
    assert step["currentStage"] == {"name": "复审"} and step["signOffs"][0]["reviewer"] == first_id
    twice = await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "我再签一次"})
    assert twice[0]["extensions"]["code"] == "REVIEW_SAME_PERSON"  # holds 复审's role, but signed 初审
    await second(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
    done = (await final(SIGN, {"id": sid, "d": "APPROVE", "o": "签发"}))["signOff"]
    assert done["status"] == "approved" and [s["stage"] for s in done["signOffs"]] == ["first", "second", "final"]
    assert len({s["contentHash"] for s in done["signOffs"]}) == 1

    await drain_hub(hub_app)  # 签发 hands the revision to distribution: the app publishes it
    published = await StoryRepository(Scope(tenant)).get(sid)
    assert published is not None and published.title == title.strip() and published.revision == 1


async def test_an_edit_during_review_is_refused_at_sign_off_until_resubmitted(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    sid = (await reporter(CREATE, {"i": {"title": "送审稿", "bodyText": "一"}}))["createStory"]["id"]
    await reporter(SUBMIT, {"id": sid, "v": 1})
    await reporter("mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
                   {"i": {"id": sid, "expectedVersion": await version(reporter, sid), "bodyText": "二"}})  # fmt: skip
    stale = await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
    assert stale[0]["extensions"]["code"] == "REVIEW_STALE_REVISION"
    await reporter(SUBMIT, {"id": sid, "v": await version(reporter, sid)})
    assert (await first(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"}))["signOff"]["currentStage"] == {"name": "复审"}


async def test_returning_needs_a_reason_and_sends_the_story_back_to_draft(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    sid = (await reporter(CREATE, {"i": {"title": "待改稿", "bodyText": "一"}}))["createStory"]["id"]
    await reporter(SUBMIT, {"id": sid, "v": 1})
    empty = await first.errors(SIGN, {"id": sid, "d": "RETURN", "o": " "})
    assert empty[0]["extensions"]["code"] == "REVIEW_REASON_REQUIRED"
    back = (await first(SIGN, {"id": sid, "d": "RETURN", "o": "数据需核实"}))["signOff"]
    assert back["status"] == "returned"
    story = (await reporter("query($id: ID!) { story(id: $id) { status } }", {"id": sid}))["story"]
    assert story["status"] == "DRAFT"
    reporters_try = await reporter.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "自己签"})
    assert reporters_try[0]["extensions"]["code"] in ("FORBIDDEN", "REVIEW_NOT_OPEN")


async def test_a_configured_sensitive_word_stops_sign_off_until_the_text_is_fixed(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    count = (await admin('mutation { setSensitiveWords(words: [{text: "内部消息", suggestion: "据了解"}, {text: "据悉", level: "warn"}]) }'))
    assert count["setSensitiveWords"] == 2
    sid = (await reporter(CREATE, {"i": {"title": "防汛通知", "bodyText": "據悉,這是內部消息。"}}))["createStory"]["id"]
    checks = (await reporter("query($id: ID!) { storyChecks(id: $id) { code match blocking suggestion } }", {"id": sid}))["storyChecks"]
    assert {(c["match"], c["blocking"]) for c in checks} == {("內部消息", True), ("據悉", False)}  # traditional text, simplified list

    await reporter(SUBMIT, {"id": sid, "v": 1})
    refused = await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
    assert refused[0]["extensions"]["code"] == "REVIEW_UNRESOLVED_FINDINGS" and "內部消息" in refused[0]["message"]

    v = await version(reporter, sid)
    await reporter("mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
                   {"i": {"id": sid, "expectedVersion": v, "bodyText": "據了解,這是公開消息。"}})  # fmt: skip
    await reporter(SUBMIT, {"id": sid, "v": await version(reporter, sid)})
    assert (await first(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"}))["signOff"]["currentStage"] == {"name": "复审"}


async def test_a_reprint_without_its_source_fields_cannot_be_signed(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    sid = (await reporter(CREATE, {"i": {"title": "转载稿", "bodyText": "正文", "source": {"reprint": True, "sourceName": "某日报"}}}))["createStory"]["id"]
    await reporter(SUBMIT, {"id": sid, "v": 1})
    refused = await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
    assert refused[0]["extensions"]["code"] == "REVIEW_UNRESOLVED_FINDINGS" and "原作者" in refused[0]["message"]
