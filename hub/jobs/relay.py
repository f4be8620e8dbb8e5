"""The outbox relay: turns events stored inside story documents into jobs.

Each outbox entry becomes one job per interested consumer, keyed by the entry's id,
so relaying the same entry twice (after a crash) creates nothing new. The entries are
then cleared with a compare-and-set on the story's version; if the story changed
meanwhile, only the relayed keys are removed and the rest waits for the next sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import UpdateOne

from hub.jobs import queue
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc
from hub.store.documents import StoryDoc
from hub.store.tenanted import Tenanted


async def relay_story(doc: StoryDoc, consumers: Sequence[Consumer]) -> int:
    """Relay one story's pending events. Returns the number of jobs created."""
    created = await queue.enqueue_jobs(_jobs_of([doc], consumers, await _needed([doc], consumers)))
    await _clear([doc])
    return created


async def _needed(docs: Sequence[StoryDoc], consumers: Sequence[Consumer]) -> set[tuple[str, str]]:
    """(event id, consumer) pairs of the pending events of `docs` that consumers want:
    `needed_of` asked once per tenant with all its events, `needed` once per event."""
    wanted: set[tuple[str, str]] = set()
    for consumer in consumers:
        events = [
            (doc, entry_id)
            for doc in docs
            for entry_id, entry in sorted(doc.outbox.items())
            if consumer.wants(entry.kind)
        ]
        if consumer.needed_of is not None:
            by_tenant: dict[str, list[tuple[StoryDoc, str]]] = {}
            for doc, entry_id in events:
                by_tenant.setdefault(doc.tenant, []).append((doc, entry_id))
            for tenant, mine in by_tenant.items():
                answers = await consumer.needed_of(tenant, [_payload(d, e) for d, e in mine])
                wanted.update(
                    (e, consumer.name) for (_, e), yes in zip(mine, answers, strict=True) if yes
                )
            continue
        for doc, entry_id in events:
            if consumer.needed is None or await consumer.needed(
                doc.tenant, _payload(doc, entry_id)
            ):
                wanted.add((entry_id, consumer.name))
    return wanted


def _payload(doc: StoryDoc, entry_id: str) -> dict[str, Any]:
    entry = doc.outbox[entry_id]
    return {
        "story_id": doc.id,
        "event": entry.kind,
        "event_id": entry_id,
        "version": entry.version,
        "revision": entry.revision,
        "data": entry.data,
        "at": entry.created_at,
        **({"audit": entry.audit} if entry.audit else {}),
    }


def _jobs_of(
    docs: Sequence[StoryDoc], consumers: Sequence[Consumer], wanted: set[tuple[str, str]]
) -> list[JobDoc]:
    """The jobs of `wanted` (see `_needed`), keyed by the event's id."""
    jobs = []
    for doc, entry_id, entry in ((d, i, e) for d in docs for i, e in sorted(d.outbox.items())):
        for consumer in consumers:
            if (entry_id, consumer.name) not in wanted:
                continue
            due = (
                entry.created_at + int(consumer.delay_seconds * 1000)
                if consumer.delay_seconds
                else None
            )
            jobs.append(
                queue.new_job(
                    doc.tenant,
                    consumer.name,
                    entry.kind,
                    entry_id,
                    _payload(doc, entry_id),
                    ready_at=due,
                )
            )
    return jobs


async def _clear(docs: Sequence[StoryDoc]) -> None:
    """Clear the relayed events: with a compare-and-set on each story's version (one
    `bulk_write` for all); if some story changed meanwhile, only the relayed keys are removed
    (again for all: removing keys already gone changes nothing) and the rest waits for the
    next sweep."""
    by_tenant: dict[str, list[StoryDoc]] = {}
    for d in docs:
        if d.outbox:
            by_tenant.setdefault(d.tenant, []).append(d)
    for tenant, group in by_tenant.items():  # one write per center (usually one)
        coll = Tenanted(StoryDoc, tenant)
        cleared = await coll.bulk_write(
            [
                UpdateOne(
                    {"_id": d.id, "version": d.version},
                    {"$set": {"outbox": {}, "has_outbox": False}},
                )
                for d in group
            ],
            ordered=False,
        )
        if cleared.matched_count < len(group):
            await coll.bulk_write(
                [
                    UpdateOne({"_id": d.id}, {"$unset": {f"outbox.{k}": "" for k in d.outbox}})
                    for d in group
                ],
                ordered=False,
            )


async def sweep(consumers: Sequence[Consumer], limit: int = 200) -> int:
    """Relay every story with pending events (up to `limit` stories). Returns jobs created.

    Three round trips however many stories and events (and a consumer's `needed_of` per
    tenant): the find, one insert of every job (those made before, by a relay that died
    before clearing, are skipped) and the clearing."""
    docs = await StoryDoc.find({"has_outbox": True}).limit(limit).to_list()
    if not docs:
        return 0
    created = await queue.enqueue_jobs(_jobs_of(docs, consumers, await _needed(docs, consumers)))
    await _clear(docs)
    return created
