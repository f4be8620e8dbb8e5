"""The app's read beacon: dwell and completion of a published story, counted without
personal data; crawlers and malformed or unpublished beacons change nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.reach.reads import read_counts
from hub.settings import Settings
from tests.conftest import GraphQLClient

PHONE = {
    "user-agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 YunShang/3.2"
}


async def test_beacons_count_dwell_and_completion_of_published_stories_only(
    http: httpx.AsyncClient,
    editor: GraphQLClient,
    hub_settings: Settings,
    hub_app: Any,
    drain: Callable[[], Awaitable[None]],
) -> None:
    created = (
        await editor(
            'mutation { createStory(input: {title: "信标测试", bodyText: "正文"}) { id version } }'
        )
    )["createStory"]
    draft = (
        await editor('mutation { createStory(input: {title: "未发布", bodyText: "正文"}) { id } }')
    )["createStory"]["id"]
    await editor(
        "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { id } }",
        {"id": created["id"], "v": created["version"]},
    )
    await drain()
    sid = created["id"]
    sent = [
        ({"story_id": sid, "dwell_ms": 40_000, "completed": True}, PHONE, 204),
        ({"story_id": sid, "dwell_ms": 5_000, "completed": False}, PHONE, 204),
        (
            {"story_id": sid, "dwell_ms": 90_000, "completed": True},
            {"user-agent": "Googlebot/2.1"},
            204,
        ),  # not counted
        (
            {"story_id": draft, "dwell_ms": 90_000, "completed": True},
            PHONE,
            204,
        ),  # not published: ignored
    ]
    for body, headers, status in sent:  # sendBeacon posts text/plain
        r = await http.post(
            "/reach/beacon",
            content=httpx.Request("POST", "/", json=body).content,
            headers={**headers, "content-type": "text/plain"},
        )
        assert r.status_code == status, r.text
    bad = await http.post(
        "/reach/beacon", json={"story_id": sid, "dwell_ms": "long"}, headers=PHONE
    )
    assert (
        bad.status_code == 400
        and bad.json()["errors"][0]["extensions"]["code"] == "REACH_BEACON_INVALID"
    )
    await hub_app.state.read_counter.flush()
    tenant = hub_settings.default_tenant
    assert await read_counts(tenant, sid) == {
        "reads": 0,
        "completions": 1,
        "beacons": 2,
        "dwell_ms": 45_000,
    }
    assert await read_counts(tenant, draft) == {
        "reads": 0,
        "completions": 0,
        "beacons": 0,
        "dwell_ms": 0,
    }
