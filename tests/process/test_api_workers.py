"""`ronghub serve` with two API worker processes (RONGHUB_API_WORKERS=2, hub/workers.py):
requests land on both, a publication reaches the read cache of both at once, a
subscriber on one worker gets an event caused on the other, a killed worker is
restarted, and SIGTERM stops everything cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from hub.ids import new_id
from tests.process.procs import HubProcess, kill_pid, store_pids, wait_until

pytestmark = pytest.mark.slow

TOKEN = "workers-dev-token"
WORKERS = 2
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { version } }"
PAGE = '{ stories(first: 5, filter: {tag: "%s"}) { edges { node { title } } } }'
ACQUIRE = "mutation($id: ID!) { acquireStoryLock(storyId: $id) { storyId } }"
RELEASE = "mutation($id: ID!) { releaseStoryLock(storyId: $id) }"
SUBSCRIBE = "subscription { newsroomEvents(topics: [STORY_LOCK]) { kind subjectId } }"
WORKER_LINE = re.compile(r'^ronghub_api_worker\{pid="(\d+)",worker="(\d+)"\} 1\.0$', re.M)


STARTED_WITHIN_S = 300.0  # two interpreters import and build the app: slow on a busy machine


@contextlib.contextmanager
def running_hub(data_dir: Path, **env: str) -> Iterator[HubProcess]:
    hub = HubProcess(data_dir, TOKEN, {"RONGHUB_API_WORKERS": str(WORKERS), **env})
    try:
        hub.start(STARTED_WITHIN_S)
        yield hub
    finally:
        hub.cleanup()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    # other processes' publications would be polled only once a minute: what a worker
    # sees at once, it sees through its siblings' announcements
    with running_hub(
        tmp_path_factory.mktemp("workers") / "data", RONGHUB_READ_CACHE_POLL_SECONDS="60"
    ) as running:
        yield running


def worker_pids(hub: HubProcess) -> set[int]:
    """The hub's live API worker processes (its children that are spawned interpreters)."""
    assert hub.proc is not None
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().split(") ", 1)[1].split()[1])
            cmd = (entry / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if ppid == hub.proc.pid and b"multiprocessing.spawn" in cmd:
            found.add(int(entry.name))
    return found


def served_by(http: httpx.Client) -> int:
    """The pid of the worker answering on this client's (kept-alive) connection."""
    found = WORKER_LINE.findall(http.get("/metrics").text)
    assert len(found) == 1, found
    return int(found[0][0])


def one_client_per_worker(hub: HubProcess) -> dict[int, httpx.Client]:
    """A client whose one connection is served by each worker: new connections until every
    worker has answered one (the kernel hands each to one of the workers)."""
    clients: dict[int, httpx.Client] = {}
    for _ in range(200):
        http = httpx.Client(base_url=hub.url, timeout=30, limits=httpx.Limits(max_connections=1))
        pid = served_by(http)
        if pid in clients:
            http.close()
        else:
            clients[pid] = http
        if len(clients) == WORKERS:
            return clients
    raise AssertionError(f"200 connections all landed on {sorted(clients)}")


def graphql(http: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def cached_count(http: httpx.Client) -> float:
    m = re.search(
        r'^ronghub_graphql_requests_total\{outcome="cached"\} (\S+)$',
        http.get("/metrics").text,
        re.M,
    )
    return float(m.group(1)) if m else 0.0


def anonymous_titles(http: httpx.Client, tag: str) -> tuple[list[str], bool]:
    """The anonymous page's titles, and whether this worker answered from its cache."""
    before = cached_count(http)
    response = http.post("/graphql", json={"query": PAGE % tag})
    assert response.status_code == 200, response.text
    titles = [e["node"]["title"] for e in response.json()["data"]["stories"]["edges"]]
    return titles, cached_count(http) == before + 1


def answered(got: tuple[list[str], bool], titles: list[str]) -> bool:
    """The page has `titles` (always), and came from the worker's cache (eventually)."""
    assert got[0] == titles, got
    return got[1]


def test_requests_land_on_every_worker_and_both_are_the_hubs_children(hub: HubProcess) -> None:
    clients = one_client_per_worker(hub)
    try:
        assert set(clients) == worker_pids(hub)
        assert httpx.get(hub.url + "/readyz").json() == {"status": "ready", "store": "ok"}
    finally:
        for http in clients.values():
            http.close()


def test_a_publication_reaches_the_read_cache_of_both_workers_at_once(hub: HubProcess) -> None:
    clients = one_client_per_worker(hub)
    first, second = clients.values()
    tag = "w-" + new_id()[-8:]
    try:
        for http in (first, second):  # an empty page, cached in each worker
            assert anonymous_titles(http, tag) == ([], False)
            assert anonymous_titles(http, tag) == ([], True)
        story = graphql(
            first, CREATE, {"i": {"title": "两个进程", "bodyText": "正文", "tags": [tag]}}
        )
        story = story["createStory"]
        graphql(first, APPROVE, {"id": story["id"], "v": story["version"]})
        # the primary worker's job worker publishes it; the first worker sees it once done
        wait_until(lambda: anonymous_titles(first, tag)[0] == ["两个进程"], 60, "the publication")
        # the second worker had the empty page cached: it answers the new page at once,
        # not its cached one (its own poll would take a minute here)
        assert anonymous_titles(second, tag) == (["两个进程"], False)
        # and caches it again (the story's other channels still finishing may end a cached
        # page once more on a loaded machine: every answer meanwhile is the new page)
        wait_until(
            lambda: answered(anonymous_titles(second, tag), ["两个进程"]), 60, "a cached answer"
        )
    finally:
        for http in clients.values():
            http.close()


def worker_of_connection(hub: HubProcess, client_port: int) -> int:
    """The worker holding the server side of the TCP connection from `client_port`."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if (
            int(local.split(":")[1], 16) == hub.port
            and int(remote.split(":")[1], 16) == client_port
        ):
            inode = fields[9]
    assert inode is not None, f"no connection from port {client_port}"
    for pid in worker_pids(hub):
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker holds socket {inode}")


async def test_a_subscriber_on_one_worker_gets_an_event_caused_on_the_other(
    hub: HubProcess,
) -> None:
    clients = one_client_per_worker(hub)
    try:
        url = hub.url.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {TOKEN}"}}
                )
            )
            assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            )
            watcher = worker_of_connection(hub, ws.local_address[1])
            [(actor_pid, actor)] = [(p, c) for p, c in clients.items() if p != watcher]
            sid = graphql(actor, CREATE, {"i": {"title": "锁", "bodyText": "正文"}})["createStory"][
                "id"
            ]
            # the subscription starts listening a moment after `subscribe`: lock and unlock
            # through the other worker until an event arrives (each round waits for it)
            deadline = time.monotonic() + 60
            message = None
            while message is None:
                assert time.monotonic() < deadline, "no event reached the subscriber"
                graphql(actor, ACQUIRE, {"id": sid})
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 3))
                except TimeoutError:
                    graphql(actor, RELEASE, {"id": sid})
            assert served_by(actor) == actor_pid != watcher
            assert message["type"] == "next", message
            event = message["payload"]["data"]["newsroomEvents"]
            assert (event["kind"], event["subjectId"]) == ("lock.acquired", sid)
    finally:
        for http in clients.values():
            http.close()


def test_a_killed_worker_is_restarted_and_sigterm_stops_every_process(hub: HubProcess) -> None:
    """Last in this module: it stops the module's hub rather than start one of its own
    (a hub with two workers is ~7 CPU-s to start, #20 item 5)."""
    first = worker_pids(hub)
    assert len(first) == WORKERS
    victim = sorted(first)[-1]
    kill_pid(victim)

    # ready again once a new worker serves in its place
    def replaced() -> bool:
        now = worker_pids(hub)
        if victim in now or len(now) != WORKERS:
            return False
        return httpx.get(hub.url + "/readyz", timeout=5).status_code == 200

    wait_until(replaced, STARTED_WITHIN_S, "a new worker in place of the killed one")
    assert "workers.died" in hub.log_tail()
    survivors = worker_pids(hub)
    assert len(survivors & first) == WORKERS - 1
    clients = one_client_per_worker(hub)  # the new one serves requests
    for http in clients.values():
        http.close()
    store = store_pids(hub.store_data)
    assert hub.terminate() == 0
    for pid in survivors:
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid), pid
    wait_until(lambda: not store_pids(hub.store_data), 30, "the store to stop")
    assert store


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1] == "Z"
    except OSError:
        return True
