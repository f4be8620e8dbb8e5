"""催办 and 超期: durable jobs remind a department before its deadline and escalate after it.

Forwarding enqueues two jobs per forward (reminder, deadline), keyed by (question,
forward, kind, due time): the due times live in the store, so they fire after a restart
(or in another process). A job's `ready_at` is the due time translated to the wall clock
from the 问政 clock at enqueue time (the same instant with the system clock). The handler
judges by the 问政 clock: woken early it defers itself; when due and the forward is still
open it records the reminder or the escalation once (a forward field, a history line, the
audit entry in the same write) and announces it on the bus (`wenzheng` topic).

`wake(tenant, clock)` makes every job the 问政 clock says is due ready now: the hook for a
clock that was moved (tests move a manual clock instead of sleeping). A worker whose clock
is a file (`RONGHUB_WENZHENG_CLOCK_FILE`, development and tests) runs `following(clock)`:
it wakes the due jobs of every center when it starts and whenever the file's time changes,
so a hub restarted after its clock moved fires what fell due while it was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from hub.audit import pending
from hub.audit.writes import audited_update, settled
from hub.domain.retry import RetryPolicy
from hub.events.bus import publish
from hub.ids import now_ms
from hub.jobs import queue
from hub.jobs.consumers import Consumer, Deferred, RetryLater
from hub.jobs.documents import JobDoc, JobState
from hub.shutdown import cancel_and_wait
from hub.store.tenanted import Tenanted, across_tenants
from hub.wenzheng.clock import SYSTEM, Clock, FileClock

log = logging.getLogger(__name__)
FOLLOW_SECONDS = 0.5  # how often a worker looks at a file clock

CONSUMER = "wenzheng.deadlines"
ACTOR = "system:wenzheng"
REMIND, ESCALATE = "remind", "escalate"


async def schedule(
    tenant: str, question_id: str, forward_id: str, remind_at: int, deadline: int, clock: Clock
) -> None:
    """The reminder and escalation jobs of one forward (idempotent per due time)."""
    now, wall = clock.now_ms(), now_ms()
    for kind, due in ((REMIND, remind_at), (ESCALATE, deadline)):
        await queue.enqueue(
            tenant,
            CONSUMER,
            f"wenzheng.{kind}",
            f"{question_id}:{forward_id}:{kind}:{due}",
            {"question_id": question_id, "forward_id": forward_id, "kind": kind, "due": due},
            ready_at=wall + max(0, due - now) + (1 if kind == ESCALATE else 0),
        )


async def wake(tenant: str, clock: Clock) -> int:
    """Jobs of `tenant` whose due time the 问政 clock has reached: ready now. Returns how many."""
    res = await Tenanted(JobDoc, tenant).update_many(
        {
            "consumer": CONSUMER,
            "open": True,
            "payload.due": {"$lte": clock.now_ms()},
        },
        {"$set": {"ready_at": now_ms()}},
    )
    return int(res.modified_count)


async def wake_all(clock: Clock) -> int:
    """`wake` for every center (the worker's sweep after its clock moved): pending jobs only,
    a running one keeps its lease."""
    res = await across_tenants(
        JobDoc, reason="the sweep after the clock moved wakes due jobs of every center"
    ).update_many(
        {
            "consumer": CONSUMER,
            "open": True,
            "state": JobState.PENDING.value,
            "payload.due": {"$lte": clock.now_ms()},
        },
        {"$set": {"ready_at": now_ms()}},
    )
    return int(res.modified_count)


@contextlib.asynccontextmanager
async def following(clock: Clock) -> AsyncIterator[None]:
    """While the block runs: wake due jobs at once and whenever a file clock's time changes.
    Any other clock is the wall clock the jobs' wake-up times are written in: nothing to do."""
    if not isinstance(clock, FileClock):
        yield
        return

    async def follow() -> None:
        seen: int | None = None
        while True:
            at = clock.now_ms() if clock.path.exists() else None
            if at is not None and at != seen:
                try:
                    woken = await wake_all(clock)
                    seen = at
                    if woken:
                        log.info("wenzheng clock at %s: %d reminder/escalation jobs due", at, woken)
                except Exception:  # the store away for a moment: try again on the next look
                    log.warning("wenzheng clock: waking due jobs failed; retrying", exc_info=True)
            await asyncio.sleep(FOLLOW_SECONDS)

    task = asyncio.create_task(follow())
    try:
        yield
    finally:
        await cancel_and_wait(task)


def is_due(kind: str, due: int, now: int) -> bool:
    """A reminder is due at its time; an escalation once the deadline has passed."""
    return now >= due if kind == REMIND else now > due


async def run(
    tenant: str, question_id: str, forward_id: str, kind: str, due: int, clock: Clock
) -> dict[str, Any]:
    """Record and announce the reminder or escalation, unless it no longer applies."""
    from hub.wenzheng.documents import QuestionDoc
    from hub.wenzheng.rules import OPEN_FORWARD, ForwardStatus

    doc = await QuestionDoc.find_one({"tenant": tenant, "_id": question_id})
    if doc is None or forward_id not in doc.forwards:
        return {"skipped": "missing"}
    fwd = doc.forwards[forward_id]
    field = "reminded_at" if kind == REMIND else "escalated_at"
    if fwd.get(field) is not None:
        return {"skipped": "already recorded"}
    if ForwardStatus(fwd["status"]) not in OPEN_FORWARD:
        return {"skipped": fwd["status"]}
    now = clock.now_ms()
    if not is_due(kind, due, now):
        raise Deferred("not due yet by the 问政 clock", now_ms() + (due - now) + 1)
    action = "wenzheng.reminded" if kind == REMIND else "wenzheng.escalated"
    data = {
        "forward": forward_id,
        "department": fwd["department"],
        "deadline": fwd["deadline"],
        "at": now,
    }
    carried = await pending.prepare(tenant, ACTOR, action, "wenzheng_question", doc.id, data)
    line = {
        "at": now,
        "kind": kind,
        "actor": ACTOR,
        "forward": forward_id,
        "department": fwd["department"],
    }
    changed = await audited_update(
        QuestionDoc,
        tenant,
        {"_id": doc.id, "version": doc.version},
        {
            "$set": {
                f"forwards.{forward_id}.{field}": now,
                f"history.{len(doc.history) + 1:06d}": line,
            },
            "$inc": {"version": 1},
        },
        carried,
    )
    if changed is None:
        raise RetryLater("the question changed meanwhile; check again")
    await settled(changed, carried)
    await publish(tenant, "wenzheng", action, doc.id, None, data)
    return {kind: f"{doc.id}:{forward_id}"}


def deadlines_consumer(clock: Clock = SYSTEM) -> Consumer:
    """The worker's consumer of 问政 reminders and escalations (jobs enqueued directly)."""

    async def handle(job: JobDoc) -> dict[str, object]:
        p = job.payload
        return await run(
            job.tenant,
            str(p["question_id"]),
            str(p["forward_id"]),
            str(p["kind"]),
            int(p["due"]),
            clock,
        )

    return Consumer(
        CONSUMER, (), handle, RetryPolicy(max_attempts=20, base_seconds=1, cap_seconds=300)
    )
