"""签发 refused while a channel would refuse the revision, on the approvals that are not
approveStory or a round's last sign-off: a correction a publisher approves at once, the
schedule of a held approval, and the hand-over when a scheduled time comes (settings can
change in between: refused visibly, never silently)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from hub.jobs.documents import JobDoc
from hub.workflow.rounds import SCHEDULER
from tests.conftest import GraphQLClient, drain_hub
from tests.e2e.identity_helpers import make_tenant
from tests.e2e.test_review_chain import CHAIN, CREATE, SUBMIT, client, refused, version
from tests.workflow.test_review_graphql import ROUND, SCHEDULE, iso, pubs, status

APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { status } }"
CORRECT = "mutation($i: UpdateStoryInput!, $n: String!) { correctStory(input: $i, note: $n) { status correctionNote } }"
SIGN_AT = 'mutation($id: ID!, $at: DateTime) { signOff(storyId: $id, decision: APPROVE, opinion: "签发", publishAt: $at) { status } }'
CANCEL = "mutation($id: ID!) { cancelScheduledPublication(storyId: $id) { publishAt } }"
CONFIGURE = (
    "mutation($ch: String!, $c: JSON!) { configureChannel(channel: $ch, config: $c) { config } }"
)
TITLE = "query($id: ID!) { story(id: $id) { title version status } }"


def problems(errors: list[dict[str, Any]]) -> set[tuple[str, str]]:
    ext = refused(errors, "APPROVAL_CHANNEL_PROBLEMS")
    return {(p["channel"], p["code"]) for p in ext["details"]["problems"]}


async def test_a_correction_approved_at_once_that_a_channel_would_refuse_is_refused_and_nothing_is_written(
    http: httpx.AsyncClient, hub_app: Any
) -> None:
    tenant = await make_tenant()
    chief, _ = await client(http, tenant, "chief_editor")
    sid = (await chief(CREATE, {"i": {"title": "原稿", "bodyText": "原文", "channels": ["app"]}}))[
        "createStory"
    ]["id"]
    await chief(APPROVE, {"id": sid, "v": await version(chief, sid)})
    await drain_hub(hub_app)
    before = (await chief(TITLE, {"id": sid}))["story"]
    assert before["status"] == "PUBLISHED"

    too_long = "长" * 80  # the app channel's title_max is 64
    errors = await chief.errors(
        CORRECT,
        {
            "i": {"id": sid, "expectedVersion": before["version"], "title": too_long},
            "n": "标题更正",
        },
    )
    assert ("app", "APP_TITLE_TOO_LONG") in problems(errors)
    assert (await chief(TITLE, {"id": sid}))["story"] == before  # the edit was not written either
    await drain_hub(hub_app)
    assert {p.action.value for p in await pubs(tenant, sid)} == {"publish"}

    fixed = await chief(
        CORRECT,
        {
            "i": {"id": sid, "expectedVersion": before["version"], "title": "更正后的标题"},
            "n": "标题更正",
        },
    )
    assert fixed["correctStory"] == {
        "status": "approved",
        "correctionNote": None,
    }  # approved at once, handed over
    await drain_hub(hub_app)
    assert ("correct", 2) in {(p.action.value, p.revision) for p in await pubs(tenant, sid)}


async def _signed_with_a_time(
    http: httpx.AsyncClient,
) -> tuple[str, GraphQLClient, GraphQLClient, str]:
    """A story signed off (终审) with a publication time an hour away: `scheduled`."""
    tenant = await make_tenant()
    admin, _ = await client(http, tenant, "admin")
    chief, _ = await client(http, tenant, "chief_editor")
    await admin(
        CHAIN,
        {
            "i": {
                "name": "终审",
                "stages": [{"key": "final", "name": "终审", "role": "chief_editor"}],
            }
        },
    )
    sid = (
        await chief(
            CREATE, {"i": {"title": "定时发布的稿件", "bodyText": "正文", "channels": ["app"]}}
        )
    )["createStory"]["id"]
    await chief(SUBMIT, {"id": sid, "v": 1})
    assert (await chief(SIGN_AT, {"id": sid, "at": iso(time.time() * 1000 + 3_600_000)}))[
        "signOff"
    ]["status"] == "approved"
    assert await status(chief, sid) == "SCHEDULED"
    return tenant, admin, chief, sid


async def test_scheduling_a_held_approval_a_channel_would_now_refuse_is_refused(
    http: httpx.AsyncClient, hub_app: Any
) -> None:
    _, admin, chief, sid = await _signed_with_a_time(http)
    await chief(CANCEL, {"id": sid})
    assert await status(chief, sid) == "APPROVED"  # held
    await admin(
        CONFIGURE, {"ch": "app", "c": {"limits": {"title_max": 4}}}
    )  # the title no longer fits

    errors = await chief.errors(SCHEDULE, {"id": sid, "at": iso(time.time() * 1000 + 3_600_000)})
    assert ("app", "APP_TITLE_TOO_LONG") in problems(errors)
    assert await status(chief, sid) == "APPROVED"
    assert (await chief(ROUND, {"id": sid}))["reviewRound"]["publishAt"] is None


async def test_a_scheduled_hand_over_a_channel_refuses_when_due_is_held_audited_and_can_be_approved_once_fixed(
    http: httpx.AsyncClient, hub_app: Any
) -> None:
    tenant, admin, chief, sid = await _signed_with_a_time(http)
    await admin(
        CONFIGURE, {"ch": "app", "c": {"limits": {"title_max": 4}}}
    )  # changed after the 签发
    # the time has come: the stored job is made due now rather than waited for
    await JobDoc.get_pymongo_collection().update_many(
        {"tenant": tenant, "consumer": SCHEDULER}, {"$set": {"ready_at": 0}}
    )
    await drain_hub(hub_app)

    assert (
        await status(chief, sid) == "APPROVED" and await pubs(tenant, sid) == []
    )  # held, nothing handed over
    rnd = (await chief(ROUND, {"id": sid}))["reviewRound"]
    assert rnd["handedOver"] is False and rnd["publishAt"] is None  # the schedule is spent
    log = (await admin("{ auditLog(first: 100) { action targetId } }"))["auditLog"]
    assert {"action": "story.schedule.refused", "targetId": sid} in log
    assert {"action": "story.schedule.published", "targetId": sid} not in log

    await admin(CONFIGURE, {"ch": "app", "c": {"limits": {"title_max": 64}}})
    assert (await chief(APPROVE, {"id": sid, "v": await version(chief, sid)}))["approveStory"][
        "status"
    ] == "APPROVED"
    await drain_hub(hub_app)
    assert await status(chief, sid) == "PUBLISHED"
