"""The outbox relay: turns events stored inside story documents into jobs.

Each outbox entry becomes one job per interested consumer, keyed by the entry's id,
so relaying the same entry twice (after a crash) creates nothing new. The entries are
then cleared with a compare-and-set on the story's version; if the story changed
meanwhile, only the relayed keys are removed and the rest waits for the next sweep.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.jobs import queue
from hub.jobs.consumers import Consumer
from hub.store.documents import StoryDoc
from hub.store.tenanted import Tenanted


async def relay_story(doc: StoryDoc, consumers: Sequence[Consumer]) -> int:
    """Relay one story's pending events. Returns the number of jobs created."""
    created = 0
    for entry_id, entry in sorted(doc.outbox.items()):
        payload = {
            "story_id": doc.id,
            "event": entry.kind,
            "event_id": entry_id,
            "version": entry.version,
            "revision": entry.revision,
            "data": entry.data,
            "at": entry.created_at,
            **({"audit": entry.audit} if entry.audit else {}),
        }
        for consumer in consumers:
            if not consumer.wants(entry.kind):
                continue
            if consumer.needed is not None and not await consumer.needed(doc.tenant, payload):
                continue
            due = (
                entry.created_at + int(consumer.delay_seconds * 1000)
                if consumer.delay_seconds
                else None
            )
            created += await queue.enqueue(
                doc.tenant, consumer.name, entry.kind, entry_id, payload, ready_at=due
            )
    coll = Tenanted(StoryDoc, doc.tenant)
    cleared = await coll.update_one(
        {"_id": doc.id, "version": doc.version},
        {"$set": {"outbox": {}, "has_outbox": False}},
    )
    if cleared.matched_count == 0 and doc.outbox:
        await coll.update_one({"_id": doc.id}, {"$unset": {f"outbox.{k}": "" for k in doc.outbox}})
    return created


async def sweep(consumers: Sequence[Consumer], limit: int = 200) -> int:
    """Relay every story with pending events (up to `limit` stories). Returns jobs created."""
    docs = await StoryDoc.find({"has_outbox": True}).limit(limit).to_list()
    total = 0
    for doc in docs:
        total += await relay_story(doc, consumers)
    return total
