"""Review over GraphQL against the real hub: chains chosen per channel, scheduled
publication and embargo, reviewed takedown and correction, review-queue events."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx

from hub.clock import SteppedClock
from hub.distribution.documents import PublicationDoc
from hub.events.bus import NewsroomEvent, listen, listener_count
from hub.ids import now_ms
from tests.conftest import (
    CommandCounter,
    GraphQLClient,
    bus_listening,
    bus_settled,
    drain_hub,
    wait_until,
)
from tests.e2e.identity_helpers import make_tenant
from tests.e2e.test_review_chain import CHAIN, CREATE, SIGN, SUBMIT, THREE, client, refused, version

STORY = "query($id: ID!) { story(id: $id) { version status } }"
ROUND = "query($id: ID!) { reviewRound(storyId: $id) { chain status currentStage { name } publishAt embargoUntil handedOver correctionNote } }"
SCHEDULE = "mutation($id: ID!, $at: DateTime!, $e: DateTime) { schedulePublication(storyId: $id, at: $at, embargoUntil: $e) { publishAt embargoUntil } }"
CHIEF_ONLY = [{"key": "final", "name": "终审", "role": "chief_editor"}]


def iso(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


async def status(c: GraphQLClient, sid: str) -> str:
    return str((await c(STORY, {"id": sid}))["story"]["status"])


async def pubs(tenant: str, sid: str) -> list[PublicationDoc]:
    return await PublicationDoc.find({"tenant": tenant, "story_id": sid}).to_list()


async def test_chains_are_validated_listed_changed_and_chosen_by_target_channel(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, _ = await client(http, tenant, "reporter")
    bad_channel = await admin.errors(
        CHAIN, {"i": {"name": "x", "stages": CHIEF_ONLY, "channels": ["no-such-channel"]}}
    )
    assert "no-such-channel" in refused(bad_channel, "REVIEW_BAD_CHAIN")["message_zh"]
    refused(
        await admin.errors(CHAIN, {"i": {"name": "x", "stages": CHIEF_ONLY, "takedownStage": 3}}),
        "REVIEW_BAD_CHAIN",
    )
    refused(await reporter.errors(CHAIN, {"i": {"name": "x", "stages": CHIEF_ONLY}}), "FORBIDDEN")

    anything = (await admin(CHAIN, {"i": {"name": "三审", "stages": THREE}}))["createReviewChain"]
    wechat = (
        await admin(
            CHAIN, {"i": {"name": "微信快审", "stages": CHIEF_ONLY, "channels": ["wechat"]}}
        )
    )["createReviewChain"]
    renamed = await admin(
        "mutation($id: ID!, $i: ReviewChainInput!) { updateReviewChain(id: $id, input: $i) { name channels } }",
        {
            "id": wechat["id"],
            "i": {"name": "微信终审", "stages": CHIEF_ONLY, "channels": ["wechat"]},
        },
    )
    assert renamed["updateReviewChain"] == {"name": "微信终审", "channels": ["wechat"]}
    listed = (
        await reporter("{ reviewChains { id name stages { role } takedownStage proofRounds } }")
    )["reviewChains"]
    assert {c["name"] for c in listed} == {"三审", "微信终审"}

    to_wechat = (
        await reporter(
            CREATE, {"i": {"title": "公众号稿", "bodyText": "正文", "channels": ["wechat"]}}
        )
    )["createStory"]["id"]
    to_app = (await reporter(CREATE, {"i": {"title": "客户端稿", "bodyText": "正文"}}))[
        "createStory"
    ]["id"]
    await reporter(SUBMIT, {"id": to_wechat, "v": 1})
    await reporter(SUBMIT, {"id": to_app, "v": 1})
    assert (await reporter(ROUND, {"id": to_wechat}))["reviewRound"]["chain"] == "微信终审"
    assert (await reporter(ROUND, {"id": to_app}))["reviewRound"]["chain"] == "三审"

    # a chain changed or deleted later does not change a round under way (it is a snapshot)
    assert (
        await admin("mutation($id: ID!) { deleteReviewChain(id: $id) }", {"id": anything["id"]})
    )["deleteReviewChain"]
    assert (await reporter(ROUND, {"id": to_app}))["reviewRound"]["currentStage"] == {
        "name": "初审"
    }
    refused(
        await admin.errors(
            "mutation($id: ID!) { deleteReviewChain(id: $id) }", {"id": anything["id"]}
        ),
        "REVIEW_CHAIN_NOT_FOUND",
    )


async def test_a_scheduled_story_is_handed_over_at_its_time_with_its_embargo_and_an_edit_stops_it(
    http: httpx.AsyncClient, hub_app: Any, clock: SteppedClock
) -> None:
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, _ = await client(http, tenant, "reporter")
    chief, _ = await client(http, tenant, "chief_editor")
    await admin(CHAIN, {"i": {"name": "终审", "stages": CHIEF_ONLY}})

    # Times an hour ahead on the hub's clock: nothing falls due until the test moves it.
    sid = (await reporter(CREATE, {"i": {"title": "定时稿", "bodyText": "正文"}}))["createStory"][
        "id"
    ]
    other = (await reporter(CREATE, {"i": {"title": "定时后又改", "bodyText": "正文"}}))[
        "createStory"
    ]["id"]
    gone = (await reporter(CREATE, {"i": {"title": "定时后撤稿", "bodyText": "正文"}}))[
        "createStory"
    ]["id"]
    refused(
        await chief.errors(SCHEDULE, {"id": sid, "at": iso(now_ms() + 5000)}),
        "REVIEW_NOT_SCHEDULABLE",
    )
    for story in (sid, other, gone):
        await reporter(SUBMIT, {"id": story, "v": 1})
    refused(
        await chief.errors(SCHEDULE, {"id": sid, "at": iso(now_ms() - 1000)}),
        "REVIEW_BAD_TIME",
    )

    at = now_ms() + 3_600_000
    embargo = at + 3_600_000
    await chief(SCHEDULE, {"id": sid, "at": iso(at), "e": iso(embargo)})
    assert (await chief(SIGN, {"id": sid, "d": "APPROVE", "o": "签发,定时发布"}))["signOff"][
        "status"
    ] == "approved"
    sign_at = 'mutation($id: ID!, $at: DateTime) { signOff(storyId: $id, decision: APPROVE, opinion: "签发", publishAt: $at) { status publishAt } }'
    refused(
        await chief.errors(sign_at, {"id": other, "at": iso(now_ms() - 1)}),
        "REVIEW_BAD_TIME",
    )
    assert (await chief(sign_at, {"id": other, "at": iso(at)}))["signOff"][
        "status"
    ] == "approved"  # 签发 with a time
    assert (await chief(sign_at, {"id": gone, "at": iso(at)}))["signOff"]["status"] == "approved"
    assert [await status(reporter, story) for story in (sid, other, gone)] == ["SCHEDULED"] * 3
    takedown = 'mutation($id: ID!, $v: Int!) { requestTakedown(storyId: $id, expectedVersion: $v, reason: "撤回") { takenDown } }'
    assert (await chief(takedown, {"id": gone, "v": await version(reporter, gone)}))[
        "requestTakedown"
    ]["takenDown"]
    await reporter(
        "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
        {"i": {"id": other, "expectedVersion": await version(reporter, other), "title": "改了"}},
    )
    assert await status(reporter, other) == "IN_REVIEW"

    await drain_hub(hub_app)
    assert (await status(reporter, sid), await pubs(tenant, sid)) == (
        "SCHEDULED",
        [],
    )  # not before its time
    clock.advance_to(at - 60_000)
    await drain_hub(hub_app)
    assert await status(reporter, sid) == "SCHEDULED"  # nor a minute before it
    clock.advance_to(at)
    await drain_hub(hub_app)
    assert await status(reporter, sid) == "PUBLISHED"
    published = await pubs(tenant, sid)
    assert published and all(p.approval.get("embargo_until") == int(embargo) for p in published)
    assert (await reporter(ROUND, {"id": sid}))["reviewRound"]["handedOver"] is True
    assert (
        await status(reporter, other) == "IN_REVIEW" and await pubs(tenant, other) == []
    )  # edited: not published
    log = (await admin("{ auditLog(first: 100) { action targetId } }"))["auditLog"]
    assert {"action": "story.schedule.skipped", "targetId": other} in log
    assert {"action": "story.schedule.published", "targetId": sid} in log
    assert (
        await pubs(tenant, gone) == []
        and {"action": "story.schedule.skipped", "targetId": gone} in log
    )


async def test_takedown_and_correction_are_reviewed_by_the_stage_the_chain_names(
    http: httpx.AsyncClient, hub_app: Any
) -> None:
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    chief, _ = await client(http, tenant, "chief_editor")
    chief2, _ = await client(http, tenant, "chief_editor")
    stages = [{"key": "first", "name": "初审", "role": "reviewer:first"}, *CHIEF_ONLY]
    await admin(
        CHAIN, {"i": {"name": "两审", "stages": stages, "takedownStage": 1, "correctionStage": 1}}
    )

    events: list[NewsroomEvent] = []

    async def collect() -> None:
        async for event in listen(tenant, ["review_queue"]):
            events.append(event)

    before = listener_count(tenant)
    listener = asyncio.create_task(collect())
    await bus_listening(tenant, before)
    try:
        sid = (await reporter(CREATE, {"i": {"title": "原稿", "bodyText": "原文"}}))["createStory"][
            "id"
        ]
        await reporter(SUBMIT, {"id": sid, "v": 1})
        await first(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"})
        await chief(SIGN, {"id": sid, "d": "APPROVE", "o": "签发"})
        await drain_hub(hub_app)
        assert await status(reporter, sid) == "PUBLISHED"

        # 更正: the edit re-enters at 终审 (the correction stage), with its 更正说明
        correct = "mutation($i: UpdateStoryInput!, $n: String!) { correctStory(input: $i, note: $n) { status currentStage { name } correctionNote } }"
        refused(
            await reporter.errors(
                correct,
                {
                    "i": {"id": sid, "expectedVersion": await version(reporter, sid), "title": "x"},
                    "n": " ",
                },
            ),
            "INVALID_INPUT",
        )
        fixed = (
            await reporter(
                correct,
                {
                    "i": {
                        "id": sid,
                        "expectedVersion": await version(reporter, sid),
                        "bodyText": "更正后的原文",
                    },
                    "n": "原稿数字有误,已更正",
                },
            )
        )["correctStory"]
        assert fixed == {
            "status": "in_review",
            "currentStage": {"name": "终审"},
            "correctionNote": "原稿数字有误,已更正",
        }
        await chief(SIGN, {"id": sid, "d": "APPROVE", "o": "同意更正"})
        await drain_hub(hub_app)
        assert {(p.action.value, p.revision) for p in await pubs(tenant, sid)} >= {
            ("publish", 1),
            ("correct", 2),
        }
        assert {
            p.approval.get("correction")
            for p in await pubs(tenant, sid)
            if p.action.value == "correct"
        } == {"原稿数字有误,已更正"}

        # 撤稿: not in one step; a request signed by 终审, never by the one who asked
        v = await version(reporter, sid)
        direct = 'mutation($id: ID!, $v: Int!) { takedownStory(id: $id, expectedVersion: $v, reason: "有误") { id } }'
        refused(await chief.errors(direct, {"id": sid, "v": v}), "REVIEW_TAKEDOWN_NEEDS_REVIEW")
        request = 'mutation($id: ID!, $v: Int!) { requestTakedown(storyId: $id, expectedVersion: $v, reason: "当事人投诉,核实有误") { takenDown request { status stage { name } } } }'
        asked = (await chief(request, {"id": sid, "v": v}))["requestTakedown"]
        assert asked == {
            "takenDown": False,
            "request": {"status": "pending", "stage": {"name": "终审"}},
        }
        refused(await chief.errors(request, {"id": sid, "v": v}), "REVIEW_ACTION_PENDING")
        # 待审撤稿: in the queue of those who may sign it, not of the one who asked nor of 初审
        queue = "{ takedownQueue { storyId reason requestedBy stage { name } } }"
        waiting = (await chief2(queue, {}))["takedownQueue"]
        assert [(t["storyId"], t["reason"], t["stage"]["name"]) for t in waiting] == [
            (sid, "当事人投诉,核实有误", "终审")
        ]
        assert (await chief(queue, {}))["takedownQueue"] == [] and (await first(queue, {}))[
            "takedownQueue"
        ] == []
        refused(await reporter.errors(queue, {}), "FORBIDDEN")
        sign = 'mutation($id: ID!, $d: ReviewDecision!) { signTakedown(storyId: $id, decision: $d, opinion: "同意撤稿") { status signOff { reviewer } } }'
        refused(await chief.errors(sign, {"id": sid, "d": "APPROVE"}), "REVIEW_OWN_REQUEST")
        refused(await first.errors(sign, {"id": sid, "d": "APPROVE"}), "REVIEW_WRONG_ROLE")
        assert (await chief2(sign, {"id": sid, "d": "APPROVE"}))["signTakedown"][
            "status"
        ] == "approved"
        assert (await chief2(queue, {}))["takedownQueue"] == []  # signed: no longer waiting
        await drain_hub(hub_app)
        assert any(p.action.value == "retract" for p in await pubs(tenant, sid))
        await wait_until(  # the bus hands stored events to listeners asynchronously
            lambda: any(e.kind == "takedown.approved" for e in events), "takedown.approved"
        )
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    kinds = [e.kind for e in events if e.subject_id == sid]
    for kind in (
        "review.submitted",
        "review.signed",
        "review.approved",
        "takedown.requested",
        "takedown.approved",
    ):
        assert kind in kinds, kinds
    assert all(e.topic == "review_queue" and e.tenant == tenant for e in events)


async def test_a_return_is_announced_and_the_returned_story_leaves_the_queue(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    sid = (await reporter(CREATE, {"i": {"title": "退回稿", "bodyText": "一"}}))["createStory"][
        "id"
    ]
    await reporter(SUBMIT, {"id": sid, "v": 1})
    assert [q["storyId"] for q in (await first("{ reviewQueue { storyId } }"))["reviewQueue"]] == [
        sid
    ]
    events: list[NewsroomEvent] = []

    async def collect() -> None:
        async for event in listen(tenant, ["review_queue"]):
            events.append(event)

    before = listener_count(tenant)
    listener = asyncio.create_task(collect())
    await bus_listening(tenant, before)
    await first(SIGN, {"id": sid, "d": "RETURN", "o": "数据需核实"})
    try:
        settled = await bus_settled(tenant, "review_queue", events)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    assert [(e.kind, e.data.get("reason")) for e in settled] == [("review.returned", "数据需核实")]
    assert (await first("{ reviewQueue { storyId } }"))["reviewQueue"] == []
    refused(await reporter.errors("{ reviewQueue { storyId } }"), "FORBIDDEN")


async def test_an_edit_after_approval_is_announced_to_the_review_queue_without_anyone_reading_the_round(
    http: httpx.AsyncClient, hub_app: Any
) -> None:
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, _ = await client(http, tenant, "reporter")
    chief, _ = await client(http, tenant, "chief_editor")
    await admin(CHAIN, {"i": {"name": "终审", "stages": CHIEF_ONLY}})
    sid = (await reporter(CREATE, {"i": {"title": "已签发稿", "bodyText": "一"}}))["createStory"][
        "id"
    ]
    await reporter(SUBMIT, {"id": sid, "v": 1})
    await chief(SIGN, {"id": sid, "d": "APPROVE", "o": "签发"})
    await drain_hub(hub_app)
    events: list[NewsroomEvent] = []

    async def collect() -> None:
        async for event in listen(tenant, ["review_queue"]):
            events.append(event)

    before = listener_count(tenant)
    listener = asyncio.create_task(collect())
    await bus_listening(tenant, before)
    try:
        await reporter(
            "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
            {"i": {"id": sid, "expectedVersion": await version(reporter, sid), "bodyText": "二"}},
        )
        await drain_hub(hub_app)  # the outbox consumer moves the round, not a reader
        settled = await bus_settled(tenant, "review_queue", events)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    assert [(e.kind, e.data.get("stage")) for e in settled] == [("review.reentered", "终审")]
    assert [q["storyId"] for q in (await chief("{ reviewQueue { storyId } }"))["reviewQueue"]] == [
        sid
    ]


async def test_a_chain_requiring_proofreading_rounds_refuses_签发_until_they_are_done(
    http: httpx.AsyncClient,
) -> None:
    """三审三校: the chain says how many 校次 come before the sign-off; the count is the
    editing subsystem's completed proofreading rounds."""
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    reporter, _ = await client(http, tenant, "reporter")
    chief, _ = await client(http, tenant, "chief_editor")
    refused(
        await admin.errors(CHAIN, {"i": {"name": "x", "stages": CHIEF_ONLY, "proofRounds": 4}}),
        "REVIEW_BAD_CHAIN",
    )
    await admin(CHAIN, {"i": {"name": "一校后签发", "stages": CHIEF_ONLY, "proofRounds": 1}})
    sid = (await reporter(CREATE, {"i": {"title": "校对稿", "bodyText": "正文有错别子"}}))[
        "createStory"
    ]["id"]
    await reporter(SUBMIT, {"id": sid, "v": 1})
    missing = refused(
        await chief.errors(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"}),
        "REVIEW_PROOF_ROUNDS_MISSING",
    )
    assert "校" in missing["message_zh"]
    await reporter("mutation($id: ID!) { startProofRound(storyId: $id) { number } }", {"id": sid})
    await reporter(
        "mutation($id: ID!) { completeProofRound(storyId: $id) { number } }", {"id": sid}
    )
    signed = (await chief(SIGN, {"id": sid, "d": "APPROVE", "o": "同意"}))["signOff"]
    assert signed["status"] == "approved"


async def test_review_opinions_are_newsroom_only_but_a_return_reason_reaches_the_account(
    http: httpx.AsyncClient,
) -> None:
    """审稿意见 are the newsroom's: a 融媒号 operator whose story is under review sees who
    signed and when, not the opinions; the reason a story was sent back reaches them."""
    from tests.e2e.identity_helpers import make_account

    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    await admin(CHAIN, {"i": {"name": "三审", "stages": THREE}})
    town = await make_account(tenant)
    operator, _ = await client(http, tenant, f"account_operator@{town}")
    first, _ = await client(http, tenant, "reviewer:first")
    editor, _ = await client(http, tenant, "editor")
    sid = (await operator(CREATE, {"i": {"title": "镇里秋收", "bodyText": "稻谷丰收。"}}))[
        "createStory"
    ]["id"]
    await operator(SUBMIT, {"id": sid, "v": 1})
    await first(SIGN, {"id": sid, "d": "APPROVE", "o": "内部:导语偏长,下一级再看"})
    signed = "query($id: ID!) { reviewRound(storyId: $id) { returnReason signOffs { stage reviewer opinion } } }"
    seen = (await operator(signed, {"id": sid}))["reviewRound"]
    assert [s["stage"] for s in seen["signOffs"]] == ["first"] and seen["signOffs"][0][
        "opinion"
    ] is None
    newsroom = (await editor(signed, {"id": sid}))["reviewRound"]
    assert newsroom["signOffs"][0]["opinion"] == "内部:导语偏长,下一级再看"

    second, _ = await client(http, tenant, "reviewer:second")
    await second(SIGN, {"id": sid, "d": "RETURN", "o": "请补充稻谷产量的数据来源"})
    returned = (await operator(signed, {"id": sid}))["reviewRound"]
    assert returned["returnReason"] == "请补充稻谷产量的数据来源"
    assert returned["signOffs"] and all(s["opinion"] is None for s in returned["signOffs"])


async def test_the_review_queue_costs_one_read_of_stories_and_one_of_rounds_however_long_it_is(
    http: httpx.AsyncClient, command_counter: CommandCounter
) -> None:
    tenant = await make_tenant()
    reporter, _ = await client(http, tenant, "reporter")
    first, _ = await client(http, tenant, "reviewer:first")
    ids = []
    for n in range(3):
        sid = (await reporter(CREATE, {"i": {"title": f"待审{n}", "bodyText": "一"}}))[
            "createStory"
        ]["id"]
        await reporter(SUBMIT, {"id": sid, "v": 1})
        ids.append(sid)
    command_counter.clear()
    queue = (await first("{ reviewQueue { storyId } }"))["reviewQueue"]
    assert sorted(q["storyId"] for q in queue) == sorted(ids)
    reads = Counter(
        coll
        for (cmd, coll), flt in zip(command_counter.targets, command_counter.filters, strict=True)
        if cmd == "find"
        and coll in ("stories", "review_rounds")
        and isinstance(flt, dict)
        and flt.get("tenant") is not None
        and tenant in str(flt.get("tenant"))
    )
    assert reads == Counter({"stories": 1, "review_rounds": 1})
