"""The bus against the real store: stored events with numbers, gaps, retention, fallback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hub.events import bus
from hub.events.documents import NewsroomEventDoc
from hub.ids import now_ms
from hub.store.documents import CounterDoc
from tests.conftest import CommandCounter, bus_listening, wait_until
from tests.e2e.identity_helpers import make_tenant


async def first(events: AsyncIterator[bus.NewsroomEvent], wait: float = 60) -> bus.NewsroomEvent:
    return await asyncio.wait_for(anext(events), wait)


async def listening(tenant: str) -> None:
    await bus_listening(tenant)


async def test_events_are_stored_numbered_and_delivered_once(hub_url: str) -> None:
    tenant = await make_tenant()
    events = bus.listen(tenant, ["story", "comment"])
    pending = asyncio.ensure_future(first(events))
    await listening(tenant)
    await bus.publish(tenant, "story_lock", "lock.acquired", "s1", "a")  # not a wanted topic
    await bus.publish(tenant, "story", "proof.started", "s1", "a", {"number": 1})
    got = await pending
    assert (got.kind, got.seq, dict(got.data)) == ("proof.started", 2, {"number": 1})
    await bus.publish(tenant, "comment", "comment.created", "s1", "b")
    assert (await first(events)).seq == 3
    await events.aclose()
    stored = await NewsroomEventDoc.find({"tenant": tenant}).sort([("seq", 1)]).to_list()
    assert [(e.seq, e.kind) for e in stored] == [
        (1, "lock.acquired"),
        (2, "proof.started"),
        (3, "comment.created"),
    ]
    with pytest.raises(ValueError):
        await bus.publish(tenant, "gossip", "x", "s1")


async def test_a_number_whose_writer_died_is_skipped_after_the_grace(
    hub_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bus, "GAP_GRACE_SECONDS", 0.3)
    tenant = await make_tenant()
    events = bus.listen(tenant, ["story"])
    pending = asyncio.ensure_future(first(events))
    await listening(tenant)
    await CounterDoc.get_pymongo_collection().find_one_and_update(  # a writer claims 1 and dies
        {"_id": bus.counter_id(tenant), "tenant": tenant}, {"$inc": {"value": 1}}, upsert=True
    )
    await bus.publish(tenant, "story", "story.updated", "s2", "a")
    got = await pending
    assert (got.seq, got.subject_id) == (2, "s2")
    await events.aclose()


async def test_old_events_are_cleaned_up(hub_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    await bus.publish(tenant, "story", "story.updated", "s3", "a")
    await bus.publish(other, "story", "story.updated", "s4", "a")
    old = now_ms() + bus.config.retention_seconds * 1000 + 1_000
    assert await bus.cleanup(now=old, tenant=tenant) == 1
    assert await NewsroomEventDoc.find({"tenant": tenant}).to_list() == []
    assert await bus.cleanup(now=old) >= 1
    assert await NewsroomEventDoc.find({"tenant": other}).to_list() == []

    monkeypatch.setattr(bus, "CLEANUP_EVERY", 2)  # publishing cleans its tenant now and then
    monkeypatch.setattr(bus.config, "retention_seconds", -1)  # everything is old
    await bus.publish(tenant, "story", "story.updated", "s5", "a")  # seq 2: cleans before returning
    assert await NewsroomEventDoc.find({"tenant": tenant}).to_list() == []


async def test_events_published_at_once_are_stored_together_numbered_in_turn(
    hub_url: str, command_counter: CommandCounter
) -> None:
    """Group commit (issue 15: 64 editors saving at once each paid two round trips for the
    live event): the events published while a turn is at the store go in the next turn,
    one counter `$inc` and one insert for all of them; every number is used once, in the
    order of publishing, and a listener gets them all."""
    tenant = await make_tenant()
    events = bus.listen(tenant, ["story"])
    pending = asyncio.ensure_future(first(events))
    await listening(tenant)
    command_counter.clear()
    await asyncio.gather(
        *(bus.publish(tenant, "story", "story.update", f"s{i}", "a", {"i": i}) for i in range(40))
    )
    trips = [
        t
        for t, f in zip(command_counter.targets, command_counter.filters, strict=True)
        if t[1] == "newsroom_events" and t[0] == "insert"
    ]
    assert 1 <= len(trips) < 40 / 2, trips  # one at a time it was 40 inserts (and 40 $inc)
    stored = await NewsroomEventDoc.find({"tenant": tenant}).sort([("seq", 1)]).to_list()
    assert [e.seq for e in stored] == list(range(1, 41))
    assert [e.data["i"] for e in stored] == list(range(40))  # numbered in publishing order
    got = [await pending] + [await first(events) for _ in range(39)]
    assert [e.seq for e in got] == list(range(1, 41))
    await events.aclose()


async def test_an_event_whose_publisher_stops_waiting_is_still_stored(hub_url: str) -> None:
    """A turn belongs to no publisher (one task takes them): a publisher that is cancelled
    while its event waits does not take the event, nor the others of its turn, with it."""
    tenant = await make_tenant()
    leaving = asyncio.ensure_future(bus.publish(tenant, "story", "story.update", "s-left", "a"))
    staying = asyncio.ensure_future(bus.publish(tenant, "story", "story.update", "s-stays", "a"))
    await asyncio.sleep(0)  # both are waiting for their turn
    leaving.cancel()
    await staying

    async def both_stored() -> bool:
        found = await NewsroomEventDoc.find({"tenant": tenant}).to_list()
        return sorted(e.subject_id for e in found) == ["s-left", "s-stays"]

    await wait_until(both_stored, "both events stored")
