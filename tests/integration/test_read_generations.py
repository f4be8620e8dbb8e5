"""Read-model generations across processes: another process's write reaches this one's cache."""

from __future__ import annotations

import asyncio
import multiprocessing
import subprocess
import sys

from hub import siblings
from hub.ids import new_id
from hub.readcache import Generations, ResponseCache, polling
from hub.settings import Settings
from tests.conftest import wait_until

BUMP = """
import asyncio, sys
from hub.wiring import connect
from hub.store.scope import Scope
from hub.store.stories import StoryRepository

async def main(uri, db, tenant):
    database = await connect(uri, db)
    try:
        print(await StoryRepository(Scope(tenant=tenant, actor="other")).bump_read_model())
    finally:
        await database.close()

asyncio.run(main(*sys.argv[1:]))
"""


def bump_in_another_process(settings: Settings, tenant: str) -> int:
    """Publish-side bump of `tenant`'s generation by a separate Python process (its own client)."""
    done = subprocess.run(
        [sys.executable, "-c", BUMP, str(settings.mongodb_uri), settings.mongodb_db, tenant],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(done.stdout.strip().splitlines()[-1])


async def test_another_process_write_invalidates_cached_responses_at_the_next_poll(
    hub_url: str, hub_settings: Settings
) -> None:
    tenant = "t-" + new_id()
    generations = Generations()
    cache = ResponseCache(generations, max_entries=8)
    key = cache.key(tenant, "POST", b'{"query":"{ columns { id } }"}')
    cache.put(key, await generations.refresh(tenant), b"old")
    assert cache.get(key) == b"old"

    assert bump_in_another_process(hub_settings, tenant) == 1
    assert cache.get(key) == b"old"  # not seen yet: this process has not polled
    await generations.refresh_all()
    assert generations.get(tenant) == 1
    assert cache.get(key) is None


async def test_the_poller_picks_up_another_process_write_by_itself(
    hub_url: str, hub_settings: Settings
) -> None:
    tenant = "t-" + new_id()
    generations = Generations()
    await generations.refresh(tenant)
    async with polling(generations, interval=0.05):
        bump_in_another_process(hub_settings, tenant)
        for _ in range(200):
            if generations.get(tenant) == 1:
                break
            await asyncio.sleep(0.05)
    assert generations.get(tenant) == 1


def test_generations_never_go_back() -> None:
    generations = Generations()
    generations.advance("a", 3)
    generations.advance("a", 2)  # e.g. a poll that read the counter before our own bump
    assert generations.get("a") == 3


async def test_a_sibling_workers_announced_bump_is_seen_at_the_next_read_without_a_poll(
    hub_url: str, hub_settings: Settings
) -> None:
    """The API workers of one `ronghub serve` (hub/siblings.py): a bump announced by one
    makes the others re-read the generation before their next cached answer."""
    tenant = "t-" + new_id()
    shared = siblings.Shared(2, multiprocessing.get_context("spawn"))
    siblings.install(siblings.Worker(shared, 1))
    try:
        generations = Generations()
        cache = ResponseCache(generations, max_entries=8)
        key = cache.key(tenant, "POST", b'{"query":"{ columns { id } }"}')
        cache.put(key, await generations.refresh(tenant), b"old")
        assert cache.get(key) == b"old"
        assert bump_in_another_process(hub_settings, tenant) == 1
        assert cache.get(key) == b"old"  # unannounced (another host, the CLI): the next poll
        siblings.Worker(shared, 0).announce(siblings.READ_MODEL)  # as the bumping worker does
        assert generations.get(tenant) is None and cache.get(key) is None
        assert await generations.refresh(tenant) == 1
        assert generations.get(tenant) == 1
    finally:
        siblings.install(None)


async def test_a_reread_sent_after_a_mark_covers_it_and_one_sent_before_does_not(
    hub_url: str, hub_settings: Settings
) -> None:
    """What lets a signed-in read skip its own re-read (hub/rest/graphql.py): one sent since
    the read began, landed, shows every bump committed before the read began."""
    tenant = "t-" + new_id()
    generations = Generations()
    before = generations.mark()
    assert not generations.fresh_since(tenant, before)  # nothing read yet
    assert await generations.refresh(tenant) == 0
    assert generations.fresh_since(tenant, before)
    assert not generations.fresh_since("t-" + new_id(), before)  # only the tenant re-read

    assert bump_in_another_process(hub_settings, tenant) == 1
    later = generations.mark()  # a request beginning after the bump
    assert not generations.fresh_since(tenant, later)  # the re-read it knows was sent before
    sent_before = asyncio.create_task(generations.refresh(tenant))
    await wait_until(lambda: generations.mark() > later, "the re-read being sent")
    during = generations.mark()  # a request beginning while it is under way
    assert await sent_before == 1
    assert generations.fresh_since(tenant, later) and not generations.fresh_since(tenant, during)
    assert generations.get(tenant) == 1
