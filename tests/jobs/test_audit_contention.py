"""The audit log under contention: a burst of appends to one tenant all land in one intact
chain, appends of other processes are waited out (backoff with jitter), and a committed
change whose append cannot be done now is still a success; its entry comes later."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from hub.audit import deferred, pending
from hub.audit import log as audit_log
from hub.audit.deferred import AuditDeferredDoc
from hub.audit.log import AppendGaveUp
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import wait_until
from tests.e2e.identity_helpers import make_tenant
from tests.jobs.test_audit_recovery import run_recovery, story_entries

pytestmark = pytest.mark.usefixtures("hub_url")  # Beanie is initialised by the hub


async def test_a_burst_of_300_appends_to_one_tenant_all_land_in_one_intact_chain() -> None:
    tenant = await make_tenant()
    entries = await asyncio.gather(
        *(
            audit_log.append(tenant, f"writer-{i}", "story.update", "story", f"s{i}", {"n": i})
            for i in range(300)
        )
    )
    assert sorted(e["details"]["n"] for e in entries) == list(range(300))
    checked, problems = await audit_log.verify(tenant)
    assert checked == 301 and problems == []  # with the tenant's own creation


async def test_appends_racing_another_process_back_off_and_all_land_in_one_chain() -> None:
    """`_append_turn` without the lock is what another process does."""
    tenant = await make_tenant()
    here = [audit_log.append(tenant, "here", "a", "story", str(i)) for i in range(30)]
    there = [
        audit_log._append_turn(tenant, "there", "a", "story", str(i), None, None) for i in range(30)
    ]
    done = await asyncio.gather(*here, *there)
    assert len({e["seq"] for e in done}) == 60
    checked, problems = await audit_log.verify(tenant)
    assert checked == 61 and problems == []


class Counting:
    """The audit collection, counting the writes of the appends."""

    def __init__(self, real: Any, refuse_many: bool = False) -> None:
        self.real, self.database_name, self.refuse_many = real, real.database_name, refuse_many
        self.inserts = 0
        self.head_reads = 0

    async def find_one(self, *a: Any, **kw: Any) -> Any:
        self.head_reads += 1
        return await self.real.find_one(*a, **kw)

    async def insert_one(self, doc: dict[str, Any]) -> Any:
        self.inserts += 1
        return await self.real.insert_one(doc)

    async def insert_many(self, docs: list[dict[str, Any]], **kw: Any) -> Any:
        self.inserts += 1
        if self.refuse_many:
            raise StoreRefused
        return await self.real.insert_many(docs, **kw)


async def test_a_burst_of_appends_to_one_tenant_is_written_in_a_few_inserts_not_one_per_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant()
    counting = Counting(audit_log._coll(tenant))
    monkeypatch.setattr(audit_log, "_coll", lambda _tenant: counting)
    entries = await asyncio.gather(
        *(
            audit_log.append(tenant, f"w{i}", "story.update", "story", f"s{i}", key=f"k{i}")
            for i in range(64)
        )
    )
    monkeypatch.undo()
    assert counting.inserts <= 3  # the first caller's turn, then everyone who queued meanwhile
    assert sorted(e["key"] for e in entries) == sorted(f"k{i}" for i in range(64))
    assert len({e["seq"] for e in entries}) == 64
    checked, problems = await audit_log.verify(tenant)
    assert checked == 65 and problems == []


async def test_appends_one_after_another_read_the_head_once_and_chain_onto_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A burst of turns: each chains onto the entry this process appended last (one insert
    a turn), not onto a head read again each time."""
    tenant = await make_tenant()
    counting = Counting(audit_log._coll(tenant))
    monkeypatch.setattr(audit_log, "_coll", lambda _tenant: counting)
    for i in range(10):
        await audit_log.append(tenant, "w", "story.update", "story", f"s{i}")
    monkeypatch.undo()
    assert counting.head_reads <= 1 and counting.inserts == 10  # 0: the creation was remembered
    checked, problems = await audit_log.verify(tenant)
    assert checked == 11 and problems == []


async def test_a_remembered_head_another_process_moved_past_is_read_again_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant()
    await audit_log.append(tenant, "here", "a", "story", "1")  # remembered: seq 2
    for i in range(3):  # another process (no memory of this one's) appends 3 more
        await audit_log._append_turn(tenant, "there", "a", "story", str(i), None, None)
    backoffs: list[int] = []
    monkeypatch.setattr(audit_log, "backoff", lambda attempt: backoffs.append(attempt) or 0.0)
    entry = await audit_log.append(tenant, "here", "a", "story", "2")
    monkeypatch.undo()
    assert entry["seq"] == 6 and backoffs == []  # no back-off: it was only the memory
    checked, problems = await audit_log.verify(tenant)
    assert checked == 6 and problems == []


async def test_an_append_whose_caller_gives_up_waiting_is_still_written() -> None:
    tenant = await make_tenant()
    waiter = asyncio.ensure_future(audit_log.append(tenant, "a", "x", "story", key="k-left"))
    await asyncio.sleep(0)  # it joined a turn
    waiter.cancel()
    await wait_until(lambda: audit_log.has_key(tenant, "k-left"), "the entry appended")
    checked, problems = await audit_log.verify(tenant)
    assert checked == 2 and problems == []


async def test_a_turn_the_store_refuses_fails_every_append_in_it_and_the_next_turn_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant()
    await audit_log.append(tenant, "a", "first", "story")
    counting = Counting(audit_log._coll(tenant), refuse_many=True)
    monkeypatch.setattr(audit_log, "_coll", lambda _tenant: counting)
    outcomes = await asyncio.gather(
        *(audit_log.append(tenant, "a", "x", "story", str(i)) for i in range(10)),
        return_exceptions=True,
    )
    monkeypatch.undo()
    assert outcomes[0] is not None and not isinstance(
        outcomes[0], BaseException
    )  # a turn of its own (one entry)
    assert all(
        isinstance(o, (StoreRefused, AppendGaveUp)) for o in outcomes[1:]
    )  # nobody left waiting
    entry = await audit_log.append(tenant, "a", "after", "story")
    assert entry["seq"] == 4  # the tenant's creation, "first", the lone turn, this one
    checked, problems = await audit_log.verify(tenant)
    assert checked == 4 and problems == []


def test_backoff_is_full_jitter_below_an_exponential_step_with_a_cap() -> None:
    assert audit_log.backoff(0, rand=lambda: 1.0) == audit_log.BACKOFF_BASE_SECONDS
    assert audit_log.backoff(3, rand=lambda: 1.0) == audit_log.BACKOFF_BASE_SECONDS * 8
    assert audit_log.backoff(3, rand=lambda: 0.0) == 0.0
    assert audit_log.backoff(40, rand=lambda: 1.0) == audit_log.BACKOFF_CAP_SECONDS


async def test_an_append_that_keeps_losing_gives_up_when_its_budget_is_spent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant()
    real = audit_log._coll(tenant)

    class AlwaysTaken:
        database_name = real.database_name

        async def find_one(self, *a: Any, **kw: Any) -> Any:
            return await real.find_one(*a, **kw)

        async def insert_one(self, doc: dict[str, Any]) -> None:
            raise DuplicateKeyError("taken", 11000)

    monkeypatch.setattr(audit_log, "_coll", lambda _tenant: AlwaysTaken())
    monkeypatch.setattr(audit_log, "backoff", lambda attempt: 0.0)
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # every look at the clock is a second later
        return now[0]

    with pytest.raises(AppendGaveUp):
        await audit_log._append_turn(tenant, "a", "x", "story", None, None, None, clock=clock)
    assert now[0] >= audit_log.APPEND_BUDGET_SECONDS


class StoreRefused(Exception):
    pass


async def refuse(*args: Any, **kwargs: Any) -> None:
    raise StoreRefused


async def test_story_writes_whose_append_fails_succeed_and_recovery_appends_their_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant()
    stories = StoryRepository(Scope(tenant=tenant, actor="editor-1", public_only=False))
    monkeypatch.setattr(audit_log, "append", refuse)
    doc = await stories.create(
        {"title": "县城秋收", "body_text": "稻谷丰收。"}
    )  # no error: it is stored
    doc = await stories.update(doc.id, doc.version, {"title": "县城秋收(更新)"})
    monkeypatch.undo()
    assert doc.version == 2
    assert await story_entries(tenant, doc.id) == []

    await run_recovery(doc.id)
    entries = await story_entries(tenant, doc.id)
    assert [(e.action, e.details["recovered"]) for e in entries] == [
        ("story.create", True),
        ("story.update", True),
    ]
    checked, problems = await audit_log.verify(tenant)
    assert checked == 3 and problems == []


async def test_a_change_without_a_carrier_whose_append_fails_leaves_its_entry_for_the_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = await make_tenant()
    monkeypatch.setattr(deferred, "append", refuse)
    assert (
        await deferred.record(tenant, "admin-1", "user.enable", "user", "u-1", {"why": "回来了"})
        is None
    )
    monkeypatch.undo()
    waiting = await AuditDeferredDoc.find({"tenant": tenant}).to_list()
    assert len(waiting) == 1 and waiting[0].has_audit_pending

    early = await pending.sweep(tenant, older_than_s=3600)  # its writer's time has not run out
    assert early.recovered == [] and early.waiting == 1
    report = await pending.sweep(tenant, older_than_s=0)
    assert report.recovered == [waiting[0].id]
    [entry] = [e for e in await audit_log.entries(tenant, 10) if e.action == "user.enable"]
    assert entry.key == waiting[0].id and entry.actor == "admin-1" and entry.target_id == "u-1"
    assert entry.details["why"] == "回来了" and entry.details["recovered"] is True
    checked, problems = await audit_log.verify(tenant)
    assert checked == 2 and problems == []
    assert await AuditDeferredDoc.find({"tenant": tenant}).to_list() == []  # the carrier is gone
    assert (await pending.sweep(tenant, older_than_s=0)).recovered == []  # nothing twice


async def test_a_change_without_a_carrier_is_recorded_at_once_when_the_append_works() -> None:
    tenant = await make_tenant()
    entry = await deferred.record(tenant, "admin-1", "user.enable", "user", "u-1", {})
    assert entry is not None and entry["key"] and entry["seq"] == 2
    assert await AuditDeferredDoc.find({"tenant": tenant}).to_list() == []
