"""newsroomEvents over a real websocket (graphql-transport-ws) against the session hub."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hub.events import bus
from hub.settings import Settings
from tests.conftest import DEV_TOKEN, bus_listening
from tests.e2e.identity_helpers import make_tenant
from tests.editing.helpers import ACQUIRE, story, user

SUBSCRIBE = "subscription($t: [NewsroomTopic!]) { newsroomEvents(topics: $t) { topic kind subjectId actor seq data at } }"


def ws_url(hub_url: str) -> str:
    return hub_url.replace("http://", "ws://") + "/graphql"


@asynccontextmanager
async def socket(
    hub_url: str, init: dict[str, Any] | None = None
) -> AsyncIterator[ClientConnection]:
    async with connect(ws_url(hub_url), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": init or {}}))
        yield ws


async def receive(ws: ClientConnection, wait: float = 10) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), wait)))


async def subscribed(hub_url: str, token: str, tenant: str, topics: list[str] | None = None) -> Any:
    """A socket with an acknowledged connection and a running newsroomEvents subscription."""
    before = bus.listener_count(tenant)
    cm = socket(hub_url, {"authorization": f"Bearer {token}"})
    ws = await cm.__aenter__()
    assert (await receive(ws))["type"] == "connection_ack"
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SUBSCRIBE, "variables": {"t": topics}},
            }
        )
    )
    await bus_listening(tenant, before)  # the hub runs in this process: its listener is in place
    return cm, ws


async def test_a_lock_taken_by_another_user_reaches_the_subscriber_of_that_center_only(
    hub_url: str, http: httpx.AsyncClient
) -> None:
    tenant, other_tenant = await make_tenant(), await make_tenant()
    watcher = await user(http, tenant, "editor")
    editor = await user(http, tenant, "editor")
    stranger = await user(http, other_tenant, "admin")
    sid = await story(editor)
    cm, ws = await subscribed(hub_url, watcher.token, tenant, ["STORY_LOCK"])
    cm2, ws2 = await subscribed(hub_url, stranger.token, other_tenant)
    try:
        await editor.client(ACQUIRE, {"id": sid})
        message = await receive(ws)
        assert message["type"] == "next" and message["id"] == "1"
        event = message["payload"]["data"]["newsroomEvents"]
        assert (event["topic"], event["kind"], event["subjectId"], event["actor"]) == (
            "story_lock",
            "lock.acquired",
            sid,
            editor.id,
        )
        assert event["data"]["holder"] == editor.id and event["seq"] >= 1

        # the other center's subscriber got nothing: the first thing it sees is its own center's event
        await bus.publish(other_tenant, "assignment", "assignment.accepted", "a-1", stranger.id, {})
        seen = (await receive(ws2))["payload"]["data"]["newsroomEvents"]
        assert (seen["kind"], seen["subjectId"]) == ("assignment.accepted", "a-1")

        # topics filter: a comment event is not sent to a story_lock-only subscriber
        await bus.publish(tenant, "comment", "comment.created", sid, editor.id, {})
        await editor.client("mutation($id: ID!) { releaseStoryLock(storyId: $id) }", {"id": sid})
        assert (await receive(ws))["payload"]["data"]["newsroomEvents"]["kind"] == "lock.released"

        await ws.send(json.dumps({"id": "1", "type": "complete"}))
        await ws.send(json.dumps({"type": "ping"}))
        assert (await receive(ws))["type"] == "pong"
    finally:
        await cm.__aexit__(None, None, None)
        await cm2.__aexit__(None, None, None)
    deadline = (
        asyncio.get_running_loop().time() + 30
    )  # the hub notices the closed socket in its own time
    while True:
        if bus.listener_count(tenant) == 0:
            break  # closing the socket ends the subscription
        assert asyncio.get_running_loop().time() < deadline, "the subscription outlived its socket"
        await asyncio.sleep(0.02)


async def test_events_published_by_another_process_arrive(
    hub_url: str, hub_settings: Settings, http: httpx.AsyncClient
) -> None:
    tenant = await make_tenant()
    watcher = await user(http, tenant, "editor")
    cm, ws = await subscribed(hub_url, watcher.token, tenant, ["REVIEW_QUEUE"])
    script = textwrap.dedent(
        f"""
        import asyncio
        from hub.events.bus import publish
        from hub.wiring import connect

        async def main():
            db = await connect({hub_settings.mongodb_uri!r}, {hub_settings.mongodb_db!r})
            await publish({tenant!r}, "review_queue", "review.submitted", "story-x", "worker", {{"stage": "初审"}})
            await db.close()

        asyncio.run(main())
        """
    )
    try:
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-c", script], capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr.decode()
        event = (await receive(ws))["payload"]["data"]["newsroomEvents"]
        assert (event["kind"], event["subjectId"], event["actor"], event["data"]) == (
            "review.submitted",
            "story-x",
            "worker",
            {"stage": "初审"},
        )
    finally:
        await cm.__aexit__(None, None, None)


async def closed_with(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as info:
        for _ in range(5):
            await receive(ws)
    return info.value.rcvd.code if info.value.rcvd else None


async def test_unauthenticated_and_unentitled_callers_are_refused(
    hub_url: str, http: httpx.AsyncClient
) -> None:
    async with socket(hub_url) as ws:  # no token: an anonymous reader, public subscriptions only
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        error = await receive(ws)
        assert (
            error["type"] == "error"
            and error["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        )
    async with socket(hub_url, {"authorization": "Bearer not-a-token"}) as ws:
        assert await closed_with(ws) == 4401
    async with connect(ws_url(hub_url), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        assert await closed_with(ws) == 4401  # subscribing before connection_init
    async with connect(ws_url(hub_url)) as ws:
        assert await closed_with(ws) == 4406  # not speaking graphql-transport-ws

    tenant = await make_tenant()
    correspondent = await user(
        http, tenant, "correspondent"
    )  # sees own drafts only: no newsroom feed
    async with socket(hub_url, {"authorization": f"Bearer {correspondent.token}"}) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "7", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        error = await receive(ws)
        assert error["type"] == "error" and error["id"] == "7"
        assert error["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    async with socket(hub_url, {"token": DEV_TOKEN}) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ columns { id } }"}})
        )
        error = await receive(ws)  # queries and mutations go over HTTP
        assert error["type"] == "error" and error["payload"][0]["extensions"]["code"]


async def test_signing_out_closes_the_socket(hub_url: str, http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    watcher = await user(http, tenant, "editor")
    cm, ws = await subscribed(hub_url, watcher.token, tenant)
    try:
        assert (await watcher.client("mutation { signOut }"))["signOut"]
        assert await closed_with(ws) == 4401
    finally:
        await cm.__aexit__(None, None, None)


async def test_protocol_violations_close_with_their_codes(hub_url: str) -> None:
    dev = {"authorization": f"Bearer {DEV_TOKEN}"}
    async with socket(hub_url, dev) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"type": "connection_init", "payload": dev}))
        assert await closed_with(ws) == 4429
    async with socket(hub_url, dev) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send("not json")
        assert await closed_with(ws) == 4400
    async with socket(hub_url, dev) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(b"\x00binary")
        assert await closed_with(ws) == 4400
    async with socket(hub_url, dev) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        for _ in range(2):
            await ws.send(
                json.dumps({"id": "same", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            )
        assert await closed_with(ws) == 4409


async def test_a_reconnecting_subscriber_resumes_after_the_last_event_it_saw(
    hub_url: str, http: httpx.AsyncClient
) -> None:
    tenant = await make_tenant()
    watcher = await user(http, tenant, "editor")
    editor = await user(http, tenant, "editor")
    sid = await story(editor)
    cm, ws = await subscribed(hub_url, watcher.token, tenant, ["STORY_LOCK"])
    try:
        await editor.client(ACQUIRE, {"id": sid})
        last = (await receive(ws))["payload"]["data"]["newsroomEvents"]["seq"]
    finally:
        await cm.__aexit__(None, None, None)
    # while disconnected: a comment (another topic) and the lock released
    await bus.publish(tenant, "comment", "comment.created", sid, editor.id, {})
    await editor.client("mutation($id: ID!) { releaseStoryLock(storyId: $id) }", {"id": sid})
    async with socket(hub_url, {"authorization": f"Bearer {watcher.token}"}) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        query = {
            "query": SUBSCRIBE.replace(
                "$t: [NewsroomTopic!]", "$t: [NewsroomTopic!], $a: Int"
            ).replace("topics: $t", "topics: $t, after: $a"),
            "variables": {"t": ["STORY_LOCK"], "a": last},
        }
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": query}))
        missed = (await receive(ws))["payload"]["data"]["newsroomEvents"]
        assert (missed["kind"], missed["seq"]) == ("lock.released", last + 2)
        await editor.client(ACQUIRE, {"id": sid})
        live = (await receive(ws))["payload"]["data"]["newsroomEvents"]
        assert (live["kind"], live["seq"]) == ("lock.acquired", last + 3)
