"""liveStory (图文直播) over a real websocket: anonymous readers follow a story's public copy."""

from __future__ import annotations

import json
from typing import Any

import httpx

from hub.events import bus
from hub.ids import new_id
from hub.settings import Settings
from tests.conftest import GraphQLClient, bus_listening
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in
from tests.e2e.test_read_cache import APPROVE, UPDATE, published
from tests.e2e.test_roles import client_for
from tests.editing.test_subscriptions import receive, socket

LIVE = "subscription($id: ID!) { liveStory(id: $id) { id title version } }"
TAKEDOWN = 'mutation($id: ID!, $v: Int!) { takedownStory(id: $id, expectedVersion: $v, reason: "核实有误") { id } }'


async def test_an_anonymous_reader_gets_each_approved_update_of_a_live_story_and_null_at_takedown(
    hub_url: str, hub_settings: Settings, editor: GraphQLClient, drain: Any
) -> None:
    tenant = hub_settings.default_tenant
    story = await published(editor, "图文直播:运动会开幕", "live-" + new_id()[-8:], drain)
    async with socket(hub_url) as ws:  # no token
        assert (await receive(ws))["type"] == "connection_ack"
        before = bus.listener_count(tenant)
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": LIVE, "variables": {"id": story["id"]}},
                }
            )
        )
        first = await receive(ws)
        assert first["payload"]["data"]["liveStory"]["title"] == "图文直播:运动会开幕"
        await bus_listening(tenant, before)

        # an unapproved edit is not public: nothing is sent; its approval is
        edited = (
            await editor(
                UPDATE,
                {
                    "input": {
                        "id": story["id"],
                        "expectedVersion": story["version"],
                        "title": "图文直播:100米决赛",
                    }
                },
            )
        )["updateStory"]
        await drain()
        await editor(APPROVE, {"id": story["id"], "v": edited["version"]})
        await drain()
        update = await receive(ws)
        assert (
            update["type"] == "next"
            and update["payload"]["data"]["liveStory"]["title"] == "图文直播:100米决赛"
        )

        now = (await editor("query($id: ID!) { story(id: $id) { version } }", {"id": story["id"]}))[
            "story"
        ]
        await editor(TAKEDOWN, {"id": story["id"], "v": now["version"]})
        await drain()
        assert (await receive(ws))["payload"]["data"]["liveStory"] is None


async def test_a_draft_or_an_unknown_story_is_null_for_live_readers(
    hub_url: str, editor: GraphQLClient
) -> None:
    draft = (
        await editor('mutation { createStory(input: {title: "未发布", bodyText: "x"}) { id } }')
    )["createStory"]
    async with socket(hub_url) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        for n, story_id in enumerate((draft["id"], "no-such-story")):
            await ws.send(
                json.dumps(
                    {
                        "id": str(n),
                        "type": "subscribe",
                        "payload": {"query": LIVE, "variables": {"id": story_id}},
                    }
                )
            )
            assert (await receive(ws))["payload"]["data"] == {"liveStory": None}


async def _live(ws: Any, n: int, story_id: str) -> Any:
    await ws.send(
        json.dumps(
            {
                "id": str(n),
                "type": "subscribe",
                "payload": {"query": LIVE, "variables": {"id": story_id}},
            }
        )
    )
    return (await receive(ws))["payload"]["data"]["liveStory"]


async def test_a_published_story_of_another_center_is_null_for_this_centers_live_readers(
    hub_url: str, editor: GraphQLClient, http: httpx.AsyncClient, drain: Any
) -> None:
    mine = await published(editor, "本中心直播", "live-" + new_id()[-8:], drain)
    other = await make_tenant()
    theirs = await published(
        await client_for(http, other, "chief_editor"),
        "别的中心直播",
        "live-" + new_id()[-8:],
        drain,
    )
    async with socket(hub_url) as ws:  # an anonymous reader of the default center
        assert (await receive(ws))["type"] == "connection_ack"
        assert (await _live(ws, 0, theirs["id"])) is None
        assert (await _live(ws, 1, mine["id"]))["title"] == "本中心直播"
    token = (await sign_in(http, await make_user(other, "editor")))["access_token"]
    async with socket(
        hub_url, {"authorization": f"Bearer {token}"}
    ) as ws:  # a reader of the other center
        assert (await receive(ws))["type"] == "connection_ack"
        assert (await _live(ws, 0, mine["id"])) is None
        assert (await _live(ws, 1, theirs["id"]))["title"] == "别的中心直播"
