"""三审 over GraphQL with real reviewers: 初审 → 复审 → 终审 → 签发, and the refusals."""

from __future__ import annotations

import json
from typing import Any

import httpx

from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import GraphQLClient, drain_hub, seed_files
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in
from tests.planning.flow import plan_and_file

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
SUBMIT = "mutation($id: ID!, $v: Int!) { submitForReview(id: $id, expectedVersion: $v) { status currentStage { name } } }"
SIGN = "mutation($id: ID!, $d: ReviewDecision!, $o: String!) { signOff(storyId: $id, decision: $d, opinion: $o) { status currentStage { name } signOffs { stage reviewer contentHash } } }"
SIGN_AT = "mutation($id: ID!, $d: ReviewDecision!, $o: String!, $r: Int) { signOff(storyId: $id, decision: $d, opinion: $o, expectedRevision: $r) { status currentStage { name } signOffs { stage reviewer contentHash } } }"
ROUND = "query($id: ID!) { reviewRound(storyId: $id) { status revision contentHash currentStage { name } signOffs { stage reviewer } } }"


async def client(http: httpx.AsyncClient, tenant: str, *grants: str) -> tuple[GraphQLClient, str]:
    """A signed-in user holding `grants`, and the user id sign-offs record."""
    name = await make_user(tenant, *grants)
    c = GraphQLClient(http, (await sign_in(http, name))["access_token"])
    return c, (await c("{ me { subject } }"))["me"]["subject"]


async def version(c: GraphQLClient, sid: str) -> int:
    return int(
        (await c("query($id: ID!) { story(id: $id) { version } }", {"id": sid}))["story"]["version"]
    )


async def test_a_seed_article_goes_through_three_reviewers_to_approval(
    http: httpx.AsyncClient, hub_app: Any
) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, first_id = await client(
        http, tenant, "reviewer:first", "reviewer:second"
    )  # may sign two stages' roles
    second, _ = await client(http, tenant, "reviewer:second")
    final, _ = await client(http, tenant, "reviewer:final")
    title, _, body = (
        next(p for p in seed_files() if p.name.startswith("003"))
        .read_text(encoding="utf-8")
        .lstrip()
        .partition("\n")
    )
    sid = (await reporter(CREATE, {"i": {"title": title.strip(), "bodyText": body}}))[
        "createStory"
    ]["id"]

    submitted = (await reporter(SUBMIT, {"id": sid, "v": 1}))["submitForReview"]
    assert submitted == {"status": "in_review", "currentStage": {"name": "初审"}}
    wrong = await final.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
    assert wrong[0]["extensions"]["code"] == "REVIEW_WRONG_ROLE" and "初审" in wrong[0]["message"]
    step = (await first(SIGN, {"id": sid, "d": "APPROVE", "o": "导语清楚"}))["signOff"]
    assert step["currentStage"] == {"name": "复审"} and step["signOffs"][0]["reviewer"] == first_id
    twice = await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "我再签一次"})
    assert (
        twice[0]["extensions"]["code"] == "REVIEW_SAME_PERSON"
    )  # holds 复审's role, but signed 初审
    await second(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
    done = (await final(SIGN, {"id": sid, "d": "APPROVE", "o": "签发"}))["signOff"]
    assert done["status"] == "approved" and [s["stage"] for s in done["signOffs"]] == [
        "first",
        "second",
        "final",
    ]
    assert len({s["contentHash"] for s in done["signOffs"]}) == 1

    await drain_hub(hub_app)  # 签发 hands the revision to distribution: the app publishes it
    published = await StoryRepository(Scope(tenant)).get(sid)
    assert published is not None and published.title == title.strip() and published.revision == 1


async def test_an_edit_during_review_re_enters_it_and_a_stale_sign_off_is_refused(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    second, _ = await client(http, tenant, "reviewer:second")
    sid = (await reporter(CREATE, {"i": {"title": "送审稿", "bodyText": "一"}}))["createStory"][
        "id"
    ]
    await reporter(SUBMIT, {"id": sid, "v": 1})
    await first(SIGN_AT, {"id": sid, "d": "APPROVE", "o": "同意", "r": 1})
    await reporter(
        "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
        {"i": {"id": sid, "expectedVersion": await version(reporter, sid), "bodyText": "二"}},
    )
    stale = await second.errors(SIGN_AT, {"id": sid, "d": "APPROVE", "o": "同意", "r": 1})
    assert (
        stale[0]["extensions"]["code"] == "REVIEW_STALE_REVISION"
        and stale[0]["extensions"]["message_en"]
    )
    rnd = (await reporter(ROUND, {"id": sid}))["reviewRound"]
    assert (
        rnd["revision"] == 2 and rnd["currentStage"] == {"name": "初审"} and rnd["signOffs"] == []
    )  # 初审 again
    assert (await first(SIGN_AT, {"id": sid, "d": "APPROVE", "o": "同意", "r": 2}))["signOff"][
        "currentStage"
    ] == {"name": "复审"}


async def test_returning_needs_a_reason_and_sends_the_story_back_to_draft(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    sid = (await reporter(CREATE, {"i": {"title": "待改稿", "bodyText": "一"}}))["createStory"][
        "id"
    ]
    await reporter(SUBMIT, {"id": sid, "v": 1})
    empty = await first.errors(SIGN, {"id": sid, "d": "RETURN", "o": " "})
    assert empty[0]["extensions"]["code"] == "REVIEW_REASON_REQUIRED"
    back = (await first(SIGN, {"id": sid, "d": "RETURN", "o": "数据需核实"}))["signOff"]
    assert back["status"] == "returned"
    story = (await reporter("query($id: ID!) { story(id: $id) { status } }", {"id": sid}))["story"]
    assert story["status"] == "DRAFT"
    reporters_try = await reporter.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "自己签"})
    assert reporters_try[0]["extensions"]["code"] in ("FORBIDDEN", "REVIEW_NOT_OPEN")


async def test_a_configured_sensitive_word_stops_sign_off_until_the_text_is_fixed(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    count = await admin(
        'mutation { setSensitiveWords(words: [{text: "内部消息", suggestion: "据了解"}, {text: "据悉", level: "warn"}]) }'
    )
    assert count["setSensitiveWords"] == 2
    sid = (await reporter(CREATE, {"i": {"title": "防汛通知", "bodyText": "據悉,這是內部消息。"}}))[
        "createStory"
    ]["id"]
    checks = (
        await reporter(
            "query($id: ID!) { storyChecks(id: $id) { code match blocking suggestion } }",
            {"id": sid},
        )
    )["storyChecks"]
    assert {(c["match"], c["blocking"]) for c in checks} == {
        ("內部消息", True),
        ("據悉", False),
    }  # traditional text, simplified list

    await reporter(SUBMIT, {"id": sid, "v": 1})
    refused = await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
    assert (
        refused[0]["extensions"]["code"] == "REVIEW_UNRESOLVED_FINDINGS"
        and "內部消息" in refused[0]["message"]
    )

    v = await version(reporter, sid)
    await reporter(
        "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
        {"i": {"id": sid, "expectedVersion": v, "bodyText": "據了解,這是公開消息。"}},
    )
    await reporter(SUBMIT, {"id": sid, "v": await version(reporter, sid)})
    assert (await first(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"}))["signOff"][
        "currentStage"
    ] == {"name": "复审"}


async def test_a_reprint_without_its_source_fields_cannot_be_signed(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    sid = (
        await reporter(
            CREATE,
            {
                "i": {
                    "title": "转载稿",
                    "bodyText": "正文",
                    "source": {"reprint": True, "sourceName": "某日报"},
                }
            },
        )
    )["createStory"]["id"]
    await reporter(SUBMIT, {"id": sid, "v": 1})
    errors = await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
    assert "原作者" in refused(errors, "REVIEW_UNRESOLVED_FINDINGS")["message_zh"]


CHAIN = """mutation($i: ReviewChainInput!) { createReviewChain(input: $i) { id name stages { key name role } reenterStage } }"""
THREE = [
    {"key": "first", "name": "初审", "role": "reviewer:first"},
    {"key": "second", "name": "复审", "role": "reviewer:second"},
    {"key": "final", "name": "终审", "role": "chief_editor"},
]
CHECKS = "query($id: ID!) { storyChecks(id: $id) { key code blocking acknowledged acknowledgedBy match } }"
ACK = "mutation($id: ID!, $k: String!, $n: String!) { acknowledgeFinding(storyId: $id, key: $k, note: $n) { key acknowledged } }"
UPDATE = "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version status } }"
APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { status } }"
QUEUE = "{ reviewQueue { storyId currentStage { name } } }"


def refused(errors: list[dict[str, Any]], code: str) -> dict[str, Any]:
    """The error carries the code, a Chinese message (for the editor) and an English one."""
    ext = errors[0]["extensions"]
    assert ext["code"] == code, errors
    assert ext["message_zh"] and ext["message_en"] and ext["message_zh"] != ext["message_en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in ext["message_zh"])
    return ext


async def test_acceptance_a_seed_article_through_a_configured_chain_with_checks_reentry_and_audit(
    http: httpx.AsyncClient, hub_app: Any
) -> None:
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, reporter_id = await client(http, tenant, "reporter")
    first, first_id = await client(http, tenant, "reviewer:first", "reviewer:second")
    second, second_id = await client(http, tenant, "reviewer:second")
    chief, chief_id = await client(http, tenant, "chief_editor")

    # the center configures its chain (an edit after sign-off re-enters at 复审) and its word list
    bad = await admin.errors(
        CHAIN,
        {"i": {"name": "错", "stages": [{"key": "x", "name": "初审", "role": "reviewer:fourth"}]}},
    )
    assert "reviewer:fourth" in refused(bad, "REVIEW_UNKNOWN_ROLE")["message_zh"]
    chain = (await admin(CHAIN, {"i": {"name": "三审三校", "stages": THREE, "reenterStage": 1}}))[
        "createReviewChain"
    ]
    assert [s["name"] for s in chain["stages"]] == ["初审", "复审", "终审"]
    await admin('mutation { setSensitiveWords(words: [{text: "内部消息", suggestion: "据了解"}]) }')

    # 策、采: a citizen's tip on a seed article becomes a lead, an approved topic, an
    # assignment, and the reporter's draft filed against it (tests/planning/flow.py)
    title, _, body = seed_files()[1].read_text(encoding="utf-8").lstrip().partition("\n")
    body = body.strip() + "\n据内部消息,工作仍在推进。"
    editor, _ = await client(http, tenant, "editor")
    planned = await plan_and_file(
        http, {"editor": editor, "reporter": reporter}, title.strip(), body
    )
    sid, v0 = planned["story_id"], planned["story_version"]
    assert refused(
        await chief.errors(APPROVE, {"id": sid, "v": v0}), "REVIEW_CHAIN_REQUIRED"
    )  # no bypass
    submitted = (await reporter(SUBMIT, {"id": sid, "v": v0}))["submitForReview"]
    assert submitted == {"status": "in_review", "currentStage": {"name": "初审"}}

    # the sensitive word blocks sign-off until the chief editor acknowledges it
    finding = next(
        c
        for c in (await reporter(CHECKS, {"id": sid}))["storyChecks"]
        if c["code"] == "SENSITIVE_WORD"
    )
    assert finding["blocking"] and not finding["acknowledged"] and finding["match"] == "内部消息"
    assert (
        "内部消息"
        in refused(
            await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"}),
            "REVIEW_UNRESOLVED_FINDINGS",
        )["message_zh"]
    )
    refused(
        await reporter.errors(ACK, {"id": sid, "k": finding["key"], "n": "我觉得可以"}),
        "REVIEW_ACK_NEEDS_CHIEF",
    )
    refused(
        await chief.errors(ACK, {"id": sid, "k": finding["key"], "n": " "}),
        "REVIEW_ACK_NOTE_REQUIRED",
    )
    assert (await chief(ACK, {"id": sid, "k": finding["key"], "n": "信息来源已核实,可以使用"}))[
        "acknowledgeFinding"
    ]["acknowledged"]

    # 初审 → 复审 → 终审 with three different people; wrong role and a second stage refused
    assert {q["storyId"] for q in (await first(QUEUE))["reviewQueue"]} == {sid}
    assert (await second(QUEUE))["reviewQueue"] == []  # 初审 is not second's stage
    assert (
        "初审"
        in refused(
            await chief.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"}), "REVIEW_WRONG_ROLE"
        )["message_zh"]
    )
    await first(SIGN, {"id": sid, "d": "APPROVE", "o": "导语清楚"})
    twice = refused(
        await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "我再签复审"}),
        "REVIEW_SAME_PERSON",
    )
    assert "初审" in twice["message_zh"] and "No person may sign two stages" in twice["message_en"]
    await second(SIGN, {"id": sid, "d": "APPROVE", "o": "事实无误"})
    done = (await chief(SIGN, {"id": sid, "d": "APPROVE", "o": "签发"}))["signOff"]
    assert done["status"] == "approved" and [s["reviewer"] for s in done["signOffs"]] == [
        first_id,
        second_id,
        chief_id,
    ]
    signed_hash = done["signOffs"][0]["contentHash"]
    await drain_hub(hub_app)
    assert (await reporter("query($id: ID!) { story(id: $id) { status } }", {"id": sid}))["story"][
        "status"
    ] == "PUBLISHED"

    # an edit after 终审 sends it back to review (at 复审, as configured); publishing is refused
    v = await version(reporter, sid)
    edited = (
        await reporter(
            UPDATE, {"i": {"id": sid, "expectedVersion": v, "title": title.strip() + "(修订)"}}
        )
    )["updateStory"]
    assert edited["status"] == "IN_REVIEW"
    rnd = (await reporter(ROUND, {"id": sid}))["reviewRound"]
    assert (
        rnd["currentStage"] == {"name": "复审"}
        and rnd["revision"] == 2
        and [s["reviewer"] for s in rnd["signOffs"]] == [first_id]
    )
    assert refused(
        await chief.errors(APPROVE, {"id": sid, "v": edited["version"]}), "REVIEW_NOT_APPROVED"
    )
    await drain_hub(hub_app)
    public = await StoryRepository(Scope(tenant)).get(sid)
    assert public is not None and public.revision == 1  # the unreviewed edit is not public
    assert all(
        c["acknowledged"]
        for c in (await reporter(CHECKS, {"id": sid}))["storyChecks"]
        if c["blocking"]
    )  # title edit: ack holds

    await second(SIGN_AT, {"id": sid, "d": "APPROVE", "o": "同意", "r": 2})
    await chief(SIGN_AT, {"id": sid, "d": "APPROVE", "o": "签发", "r": 2})
    await drain_hub(hub_app)
    public = await StoryRepository(Scope(tenant)).get(sid)
    assert public is not None and public.revision == 2

    # the audit log shows every step with actor and content hash
    log = (await admin("{ auditLog(first: 100) { action actor targetId details } }"))["auditLog"]
    entries = [
        {
            **e,
            "details": json.loads(e["details"]) if isinstance(e["details"], str) else e["details"],
        }
        for e in reversed(log)
        if e["targetId"] == sid
    ]
    steps = [(e["action"], e["actor"]) for e in entries]
    for step in [
        ("story.create", reporter_id),
        ("story.review.submit", reporter_id),
        ("story.finding.acknowledge", chief_id),
        ("story.review.approve", first_id),
        ("story.review.approve", second_id),
        ("story.review.approve", chief_id),
        ("story.update", reporter_id),
        ("story.review.reenter", reporter_id),
    ]:
        assert step in steps, (step, steps)
    assert all(e["details"].get("content_hash", "").startswith("sha256:") for e in entries)
    approvals = [e for e in entries if e["action"] == "story.review.approve"]
    assert [e["details"]["stage"] for e in approvals] == [
        "first",
        "second",
        "final",
        "second",
        "final",
    ]
    assert {e["details"]["content_hash"] for e in approvals[:3]} == {signed_hash}
    # ... and the planning steps before it, each with its actor; the 指挥调度 view shows the
    # assignment filed with its story, now published
    planning_ids = {planned["lead_id"], planned["topic_id"], planned["assignment_id"]}
    planning_steps = [e["action"] for e in reversed(log) if e["targetId"] in planning_ids]
    assert (
        planning_steps[:2] == ["lead.create", "lead.accept"] and "topic.approve" in planning_steps
    )
    assert planning_steps[-1].startswith("assignment.") and len(planning_steps) >= 7
    filed = (
        await editor(
            "query($id: ID!) { assignment(id: $id) { status story { id status } } }",
            {"id": planned["assignment_id"]},
        )
    )["assignment"]
    assert filed == {"status": "FILED", "story": {"id": sid, "status": "PUBLISHED"}}


async def test_a_disguised_sensitive_word_in_byline_tags_overrides_or_metadata_stops_sign_off(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    await admin('mutation { setSensitiveWords(words: [{text: "内部消息"}]) }')
    story = {
        "title": "防汛通知",
        "bodyText": "正文",
        "byline": "记者 内\u200b部\u00ad消息",
        "tags": ["內部·消息"],
        "channelOverrides": {"douyin": {"text": "ＩＮ 内部😀消息"}},
        "metadata": {"发文机关": "内\u202e部消\u2066息"},
    }
    sid = (await reporter(CREATE, {"i": story}))["createStory"]["id"]
    checks = (
        await reporter(
            "query($id: ID!) { storyChecks(id: $id) { code field match blocking } }", {"id": sid}
        )
    )["storyChecks"]
    assert {(c["field"], c["match"]) for c in checks if c["code"] == "SENSITIVE_WORD"} == {
        ("byline", "内\u200b部\u00ad消息"),
        ("tags.0", "內部·消息"),
        ("channel_overrides.douyin.text", "内部😀消息"),
        ("metadata.发文机关", "内\u202e部消\u2066息"),
    }
    await reporter(SUBMIT, {"id": sid, "v": 1})
    refused(
        await first.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"}),
        "REVIEW_UNRESOLVED_FINDINGS",
    )


async def test_a_sensitive_word_in_a_media_caption_or_an_image_alt_is_found(
    http: httpx.AsyncClient,
) -> None:
    from tests.media.helpers import image_bytes

    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, _ = await client(http, tenant, "reporter")
    await admin('mutation { setSensitiveWords(words: [{text: "内部消息"}]) }')
    token = reporter.token
    uploaded = await http.post(
        "/media/uploads",
        content=image_bytes(),
        headers={"authorization": f"Bearer {token}"},
        params={"filename": "a.png", "caption": "图为内部·消息发布现场"},
    )
    assert uploaded.status_code == 201, uploaded.text
    asset_id = uploaded.json()["id"]
    body = f'<p>正文</p><img src="asset:{asset_id}" data-asset-id="{asset_id}" alt="內部 消息">'
    sid = (
        await reporter(CREATE, {"i": {"title": "图片稿", "body": body, "coverAssetId": asset_id}})
    )["createStory"]["id"]
    checks = (
        await reporter("query($id: ID!) { storyChecks(id: $id) { code field match } }", {"id": sid})
    )["storyChecks"]
    assert {(c["field"], c["match"]) for c in checks if c["code"] == "SENSITIVE_WORD"} == {
        (f"assets.{asset_id}.caption", "内部·消息"),
        ("body.img[0].alt", "內部 消息"),
    }


async def test_a_chain_for_a_story_type_is_the_one_its_stories_go_through(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    editor, _ = await client(http, tenant, "editor")
    bad = await admin.errors(
        CHAIN, {"i": {"name": "错", "stages": THREE, "types": ["video", "podcast"]}}
    )
    assert "podcast" in refused(bad, "REVIEW_BAD_CHAIN")["message_zh"]
    assert (await admin("{ reviewChains { id } }"))["reviewChains"] == []  # nothing half-written
    one = [{"key": "final", "name": "终审", "role": "chief_editor"}]
    made = (
        await admin(
            "mutation($i: ReviewChainInput!) { createReviewChain(input: $i) { id types } }",
            {"i": {"name": "视频一审", "stages": one, "types": ["video", "live"]}},
        )
    )["createReviewChain"]
    assert sorted(made["types"]) == ["live", "video"]
    for story_type, stage in (("VIDEO", "终审"), ("ARTICLE", "初审")):
        sid = (
            await editor(
                CREATE, {"i": {"title": f"{story_type} 稿", "bodyText": "正文", "type": story_type}}
            )
        )["createStory"]["id"]
        submitted = (await editor(SUBMIT, {"id": sid, "v": await version(editor, sid)}))[
            "submitForReview"
        ]
        assert submitted["currentStage"]["name"] == stage, story_type
