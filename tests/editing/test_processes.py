"""Two API processes on one store: a change made through either reaches subscribers of both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.embedded.store import free_port
from hub.events import bus
from hub.settings import Settings
from hub.store.documents import CounterDoc
from tests.conftest import DEV_TOKEN
from tests.editing.test_subscriptions import SUBSCRIBE, receive, socket

CREATE = 'mutation { createStory(input: {title: "两个进程", bodyText: "正文"}) { id } }'
ACQUIRE = "mutation($id: ID!) { acquireStoryLock(storyId: $id) { holder } }"
RELEASE = "mutation($id: ID!) { releaseStoryLock(storyId: $id) }"


@pytest.fixture
def second_hub(hub_settings: Settings, tmp_path: Path, hub_url: str) -> Iterator[str]:
    """Another `ronghub serve` process on the session's store and database."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RONGHUB_")}
    env.update(
        RONGHUB_MONGODB_URI=str(hub_settings.mongodb_uri),
        RONGHUB_MONGODB_DB=hub_settings.mongodb_db,
        RONGHUB_DEFAULT_TENANT=hub_settings.default_tenant,
        RONGHUB_DEV_TOKEN=DEV_TOKEN,
        RONGHUB_PORT=str(port),
        RONGHUB_DATA_DIR=str(tmp_path),
        RONGHUB_WORKER_IN_PROCESS="false",
        RONGHUB_ENV="development",
    )
    log = open(tmp_path / "hub.log", "ab")  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "hub.log").read_text(errors="replace")[-3000:])
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            subprocess.run(["sleep", "0.1"], check=True)
        else:
            raise AssertionError("the second hub did not become ready")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


async def test_lock_events_cross_between_api_processes(
    hub_url: str, second_hub: str, hub_settings: Settings
) -> None:
    dev = {"authorization": f"Bearer {DEV_TOKEN}"}
    async with (
        httpx.AsyncClient(base_url=second_hub, headers=dev, timeout=30) as other,
        httpx.AsyncClient(base_url=hub_url, headers=dev, timeout=30) as here,
        socket(hub_url, dev) as ws_here,
        socket(second_hub, dev) as ws_other,
    ):
        tenant = hub_settings.default_tenant
        raw = await CounterDoc.get_pymongo_collection().find_one(
            {"_id": bus.counter_id(tenant), "tenant": tenant}
        )
        head = int(raw["value"]) if raw else 0
        # `after: head`: whenever the other process's listener is in place, nothing since is missed
        query = SUBSCRIBE.replace("$t: [NewsroomTopic!]", "$t: [NewsroomTopic!], $a: Int")
        query = query.replace("topics: $t", "topics: $t, after: $a")
        for ws in (ws_here, ws_other):
            assert (await receive(ws))["type"] == "connection_ack"
            payload = {"query": query, "variables": {"t": ["STORY_LOCK"], "a": head}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        sid = (await other.post("/graphql", json={"query": CREATE})).json()["data"]["createStory"][
            "id"
        ]
        taken = await other.post("/graphql", json={"query": ACQUIRE, "variables": {"id": sid}})
        assert "errors" not in taken.json(), taken.json()
        for ws in (ws_here, ws_other):  # made in the other process: seen here too
            event = (await receive(ws))["payload"]["data"]["newsroomEvents"]
            assert (event["kind"], event["subjectId"], event["actor"]) == (
                "lock.acquired",
                sid,
                "dev",
            )
        released = await here.post("/graphql", json={"query": RELEASE, "variables": {"id": sid}})
        assert released.json()["data"] == {"releaseStoryLock": True}
        for ws in (ws_other, ws_here):  # made here: seen by the other process's subscriber
            event = (await receive(ws))["payload"]["data"]["newsroomEvents"]
            assert (event["kind"], event["subjectId"]) == ("lock.released", sid)
