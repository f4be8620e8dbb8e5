"""Edit locks over GraphQL and in the store: acquire, enforce, renew, release, take over, race."""

from __future__ import annotations

import asyncio

import httpx

from hub.audit.log import entries
from hub.domain.permissions import Grant, PrincipalKind, Role
from hub.editing import locks
from hub.editing.documents import StoryLockDoc
from hub.errors import HubError
from hub.events import bus
from hub.ids import now_ms
from hub.store.scope import Scope
from tests.conftest import CommandCounter, bus_listening
from tests.e2e.identity_helpers import make_tenant
from tests.editing.helpers import ACQUIRE, UPDATE, edit, story, user, version

RELEASE = "mutation($id: ID!) { releaseStoryLock(storyId: $id) }"
RENEW = "mutation($id: ID!) { renewStoryLock(storyId: $id, seconds: 600) { expiresAt } }"
TAKE = (
    'mutation($id: ID!) { takeOverStoryLock(storyId: $id, reason: "急稿,需立即修改") { holder } }'
)
LOCK = "query($id: ID!) { storyLock(storyId: $id) { holder holderName } }"
NOTES = "{ myNotifications { kind text storyId read } }"


async def test_a_lock_refuses_other_editors_writes_until_released(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    a = await user(http, tenant, "editor")
    b = await user(http, tenant, "editor")
    sid = await story(a)
    assert (await edit(b, sid, title="无锁时照常可改"))[
        "title"
    ] == "无锁时照常可改"  # no lock: editable as before

    lock = (await a.client(ACQUIRE, {"id": sid}))["acquireStoryLock"]
    assert lock["holder"] == a.id and a.username in lock["holderName"]
    assert (await b.client(LOCK, {"id": sid}))["storyLock"]["holder"] == a.id

    refused = await b.client.errors(
        UPDATE, {"i": {"id": sid, "expectedVersion": await version(b, sid), "title": "抢改"}}
    )
    err = refused[0]
    assert err["extensions"]["code"] == "STORY_LOCKED"
    assert (
        a.username in err["message"] and "北京时间" in err["message"] and "接管" in err["message"]
    )
    restore = "mutation($id: ID!, $v: Int!) { restoreRevision(id: $id, number: 1, expectedVersion: $v) { id } }"
    refused = await b.client.errors(restore, {"id": sid, "v": await version(b, sid)})
    assert refused[0]["extensions"]["code"] == "STORY_LOCKED"
    assert (await b.client.errors(ACQUIRE, {"id": sid}))[0]["extensions"]["code"] == "STORY_LOCKED"

    assert (await edit(a, sid, title="持锁人修改"))["title"] == "持锁人修改"  # the holder writes
    assert (await a.client(RENEW, {"id": sid}))["renewStoryLock"]["expiresAt"]
    assert (await b.client.errors(RENEW, {"id": sid}))[0]["extensions"]["code"] == "LOCK_NOT_HELD"
    assert (await b.client.errors(RELEASE, {"id": sid}))[0]["extensions"]["code"] == "LOCK_NOT_HELD"
    assert (await a.client(RELEASE, {"id": sid}))["releaseStoryLock"] is True
    assert (await b.client(LOCK, {"id": sid}))["storyLock"] is None
    assert (await edit(b, sid, title="释放后可改"))["title"] == "释放后可改"

    logged = {e.action: e for e in await entries(tenant, 50)}
    assert "story.lock.acquired" in logged and "story.lock.release" in logged
    assert logged["story.lock.acquired"].actor == a.id and logged["story.lock.acquired"].details[
        "content_hash"
    ].startswith("sha256:")


async def test_takeover_needs_signing_rights_while_live_and_notifies_the_holder(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    a = await user(http, tenant, "editor")
    b = await user(http, tenant, "editor")
    chief = await user(http, tenant, "chief_editor")
    sid = await story(a)
    await a.client(ACQUIRE, {"id": sid})
    refused = await b.client.errors(TAKE, {"id": sid})
    assert (
        refused[0]["extensions"]["code"] == "LOCK_TAKEOVER_FORBIDDEN"
        and a.username in refused[0]["message"]
    )

    events = bus.listen(tenant, ["story_lock"])
    pending = asyncio.ensure_future(asyncio.wait_for(anext(events), 60))
    await bus_listening(tenant)
    assert (await chief.client(TAKE, {"id": sid}))["takeOverStoryLock"]["holder"] == chief.id
    event = await pending
    await events.aclose()
    assert (event.kind, event.subject_id, event.actor) == ("lock.taken_over", sid, chief.id)
    assert event.data["previous_holder"] == a.id and event.data["reason"] == "急稿,需立即修改"
    notes = (await a.client(NOTES))["myNotifications"]
    assert (
        notes[0]["kind"] == "lock_taken_over"
        and notes[0]["storyId"] == sid
        and "急稿" in notes[0]["text"]
    )
    assert not notes[0]["read"]
    assert (
        await a.client.errors(
            UPDATE, {"i": {"id": sid, "expectedVersion": await version(a, sid), "title": "x"}}
        )
    )[0]["extensions"]["code"] == "STORY_LOCKED"
    read = "mutation { markNotificationsRead }"
    assert (await a.client(read))["markNotificationsRead"] == 1
    assert (await a.client("{ myNotifications(unreadOnly: true) { id } }"))["myNotifications"] == []


async def test_an_expired_lock_may_be_taken_by_anyone_who_may_edit(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    a = await user(http, tenant, "editor")
    b = await user(http, tenant, "reporter")
    sid = await story(a)
    await a.client(ACQUIRE, {"id": sid})
    await StoryLockDoc.get_pymongo_collection().update_one(
        {"_id": sid}, {"$set": {"expires_at": now_ms() - 1}}
    )
    assert (await edit(b, sid, title="过期锁不再拦截"))["title"] == "过期锁不再拦截"
    assert (await b.client(TAKE, {"id": sid}))["takeOverStoryLock"]["holder"] == b.id
    assert (await a.client.errors(RENEW, {"id": sid}))[0]["extensions"]["code"] == "LOCK_NOT_HELD"


def _scope(tenant: str, actor: str) -> Scope:
    return Scope(
        tenant,
        actor,
        public_only=False,
        kind=PrincipalKind.USER,
        user_id=actor,
        grants=(Grant(Role.EDITOR),),
    )


async def test_two_editors_racing_for_a_lock_exactly_one_wins(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    a = await user(http, tenant, "editor")
    for _ in range(4):  # a fresh lock (insert race) and a released one (compare-and-set race)
        sid = await story(a)
        for attempt in range(2):
            racers = [_scope(tenant, f"racer-{i}") for i in range(4)]
            results = await asyncio.gather(
                *(locks.acquire(s, sid, 60) for s in racers), return_exceptions=True
            )
            won = [r for r in results if isinstance(r, StoryLockDoc)]
            lost = [r for r in results if isinstance(r, HubError)]
            assert len(won) == 1 and len(lost) == 3, results
            assert {e.code for e in lost} <= {"STORY_LOCKED", "LOCK_CONTENDED"}
            holder = await locks.current(racers[0], sid)
            assert holder is not None and holder.holder == won[0].holder
            if attempt == 0:
                await locks.release(next(s for s in racers if s.actor == won[0].holder), sid)


async def test_two_editors_racing_over_http_exactly_one_wins(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    a = await user(http, tenant, "editor")
    b = await user(http, tenant, "editor")
    sid = await story(a)
    ra, rb = await asyncio.gather(
        a.client.raw(ACQUIRE, {"id": sid}), b.client.raw(ACQUIRE, {"id": sid})
    )
    bodies = [ra.json(), rb.json()]
    assert sorted("errors" in body for body in bodies) == [False, True], bodies
    loser = next(body for body in bodies if "errors" in body)
    assert loser["errors"][0]["extensions"]["code"] in ("STORY_LOCKED", "LOCK_CONTENDED")


async def test_locks_are_per_tenant(http: httpx.AsyncClient) -> None:
    a = await user(http, await make_tenant(), "editor")
    other = await user(http, await make_tenant(), "admin")
    sid = await story(a)
    errors = await other.client.errors(ACQUIRE, {"id": sid})
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert (await other.client.errors(LOCK, {"id": sid}))[0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_story_list_shows_who_is_editing_each_story_in_one_read(
    http: httpx.AsyncClient, command_counter: CommandCounter
) -> None:
    """Story.lock: a desk's story list shows the live locks (batched: one read of the locks
    for the whole page); an expired lock shows as none."""
    tenant = await make_tenant()
    a = await user(http, tenant, "editor")
    b = await user(http, tenant, "editor")
    held, expired, free = (
        await story(a, "持锁稿"),
        await story(a, "过期稿"),
        await story(a, "无锁稿"),
    )
    await a.client(ACQUIRE, {"id": held})
    await b.client(ACQUIRE, {"id": expired})
    await StoryLockDoc.get_pymongo_collection().update_one(
        {"_id": expired}, {"$set": {"expires_at": now_ms() - 1}}
    )
    page = "{ stories(first: 50) { edges { node { id lock { storyId holder holderName } } } } }"
    command_counter.clear()
    nodes = {e["node"]["id"]: e["node"]["lock"] for e in (await b.client(page))["stories"]["edges"]}
    assert command_counter.targets.count(("find", "story_locks")) == 1
    assert nodes[held] == {"storyId": held, "holder": a.id, "holderName": nodes[held]["holderName"]}
    assert a.username in nodes[held]["holderName"]
    assert nodes[expired] is None and nodes[free] is None
    # the single-story query agrees
    one = "query($id: ID!) { story(id: $id) { lock { holder } } }"
    assert (await b.client(one, {"id": held}))["story"]["lock"]["holder"] == a.id
    await a.client(RELEASE, {"id": held})
    assert (await b.client(one, {"id": held}))["story"]["lock"] is None
