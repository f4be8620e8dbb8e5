"""Issue 5 acceptance: worker processes killed with SIGKILL at random points during
delivery, many times over; every publication ends delivered exactly once per channel
(checked on the platform server), none lost.

The stories are approved a batch per kill round, so every kill falls while there is delivery
work under way, however slow the machine is. Every other round holds the platform's next request
and kills the worker waiting on it: the platform has the item, the worker never learns it,
and whoever takes the job over must not make a second item. The other rounds kill a random
worker after a random pause."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
from multiprocessing.process import BaseProcess

import pytest

from hub.distribution import publications as pubs
from hub.distribution.states import PubState
from hub.domain.story import StoryStatus
from hub.ids import new_id
from hub.settings import Settings
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.distribution import chaos_worker
from tests.distribution.chaos_channel import PlatformServer

#: Workers are forked from a forkserver that has imported the hub once, not started as
#: fresh interpreters (each paid ~3 s of CPU importing it; #20 item 5): each is still its
#: own process, killed with SIGKILL. (If a forkserver already runs in this test process
#: without the preload, the workers import the hub themselves: slower, the same test.)
FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["tests.distribution.chaos_worker"])
STORIES = 40
WORKERS = 3
KILL_ROUNDS = 12
#: Generous bounds for a loaded CI machine; the waits end as soon as the condition holds.
START_TIMEOUT_S = 120.0
HELD_TIMEOUT_S = 120.0
SETTLE_TIMEOUT_S = 240.0


async def spawn(uri: str, db: str, prefix: str, url: str) -> BaseProcess:
    """A worker process, returned once it is connected and working."""
    receive, send = FORKS.Pipe(duplex=False)
    proc = FORKS.Process(target=chaos_worker.run, args=(uri, db, prefix, url, send))
    await asyncio.to_thread(proc.start)
    send.close()  # the worker holds the only writing end: its death ends the wait below
    try:
        assert await asyncio.to_thread(receive.poll, START_TIMEOUT_S), "the worker did not start"
        assert receive.recv() == "ready"
    finally:
        receive.close()
    return proc


async def held_request(platform: PlatformServer, procs: list[BaseProcess]) -> tuple[int, str]:
    """The first request held at the platform that a live worker sent: (its index in procs, key)."""
    deadline = asyncio.get_running_loop().time() + HELD_TIMEOUT_S
    while True:
        found = platform.held_from({p.pid for p in procs})
        if found is not None:
            pid, key = found
            return next(i for i, p in enumerate(procs) if p.pid == pid), key
        assert asyncio.get_running_loop().time() < deadline, "no delivery reached the platform"
        await asyncio.sleep(0.01)


@pytest.mark.slow
async def test_killed_workers_lose_nothing_and_deliver_each_publication_once(
    hub_url: str, store_uri: str, hub_settings: Settings
) -> None:
    rng = random.Random(20261122)
    prefix = "chaos" + new_id()[-6:]
    scope = Scope(tenant="chaos-" + new_id(), actor="editor", public_only=False)
    stories = StoryRepository(scope)
    drafts = []
    for i in range(STORIES):
        doc = await stories.create(
            {"title": f"压力测试稿件{i}", "body_text": "x", "channels": ["chaosnet"]}
        )
        drafts.append((doc.id, doc.version))
    ids = [sid for sid, _ in drafts]

    with PlatformServer() as platform:
        procs = list(
            await asyncio.gather(
                *(
                    spawn(store_uri, hub_settings.mongodb_db, prefix, platform.url)
                    for _ in range(WORKERS)
                )
            )
        )
        kills = 0
        killed_waiting: list[
            str
        ] = []  # keys whose request was at the platform when its worker died
        try:
            for n in range(KILL_ROUNDS):
                hold = n % 2 == 0
                if hold:
                    platform.hold()
                for sid, version in drafts[n::KILL_ROUNDS]:
                    await stories.set_status(sid, version, StoryStatus.APPROVED)
                if hold:
                    victim, key = await held_request(platform, procs)
                    killed_waiting.append(key)
                else:
                    await asyncio.sleep(rng.uniform(0.2, 0.6))
                    victim = rng.randrange(len(procs))
                procs[victim].kill()  # SIGKILL
                procs[victim].join()
                platform.release()
                kills += 1
                procs[victim] = await spawn(
                    store_uri, hub_settings.mongodb_db, prefix, platform.url
                )
            deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT_S
            while True:
                found = [p for s in ids for p in await pubs.of_story(scope.tenant, s)]
                # (and the requests of killed workers are counted, however late their threads run)
                if (
                    len(found) == STORIES
                    and all(p.state == PubState.LIVE for p in found)
                    and platform.idle()
                ):
                    break
                assert asyncio.get_running_loop().time() < deadline, sorted(
                    (p.id, p.state) for p in found
                )
                await asyncio.sleep(0.3)
        finally:
            platform.release()
            for p in procs:
                p.kill()
                p.join()

    keys = {p.idempotency_key for p in found}
    resent = sum(n - 1 for n in platform.posts.values())
    print(
        f"kills={kills} posts={sum(platform.posts.values())} resent_after_kill={resent} killed_waiting={len(killed_waiting)}"
    )
    # Kills did land mid-delivery: the platform saw the same key more than once (each
    # held request, and again from the worker that took its job over), and still holds
    # one item per key.
    assert len(killed_waiting) == (KILL_ROUNDS + 1) // 2
    assert all(platform.posts[k] >= 2 for k in killed_waiting), {
        k: platform.posts[k] for k in killed_waiting
    }
    assert resent > 0
    assert kills == KILL_ROUNDS
    assert len(keys) == STORIES  # one publication per story and channel
    assert set(platform.items) == keys  # every one arrived, and exactly once: one item per key
    assert len(set(platform.items.values())) == STORIES
    for pub in found:
        live = [e for e in pub.entries() if e.to_state == PubState.LIVE]
        assert (
            len(live) == 1
            and live[0].evidence["external_id"] == platform.items[pub.idempotency_key]
        )
