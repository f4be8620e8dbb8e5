"""超期: a durable job at each assignment's deadline notices that it was missed.

Dispatching (or moving the deadline by a reassignment) enqueues one job per
(assignment, deadline) with `ready_at` just after the deadline, so the due time lives
in the store and survives restarts. The handler re-reads the assignment: if it is still
open at that deadline, it records the lateness once (`overdue_deadline`, a history
line, the audit log: its entry carried in the same write) and publishes `assignment.overdue` on the bus.
"""

from __future__ import annotations

from typing import Any

from hub.audit import pending
from hub.audit.writes import audited_update, settled
from hub.domain.retry import RetryPolicy
from hub.events.bus import publish
from hub.ids import now_ms
from hub.jobs import queue
from hub.jobs.consumers import Consumer, RetryLater
from hub.jobs.documents import JobDoc
from hub.planning.documents import AssignmentDoc
from hub.planning.rules import is_overdue

CONSUMER = "planning.overdue"
KIND = "assignment.overdue"
ACTOR = "system:overdue"


async def schedule(tenant: str, assignment_id: str, deadline: int) -> None:
    """The job that checks `assignment_id` right after `deadline` (idempotent per deadline)."""
    await queue.enqueue(
        tenant,
        CONSUMER,
        KIND,
        f"{assignment_id}:{deadline}",
        {"assignment_id": assignment_id, "deadline": deadline},
        ready_at=deadline + 1,
    )


async def record_overdue(
    tenant: str, assignment_id: str, deadline: int, now: int | None = None
) -> dict[str, Any]:
    """Record and announce that the assignment missed `deadline`, unless it no longer can."""
    doc = await AssignmentDoc.find_one({"tenant": tenant, "_id": assignment_id})
    if doc is None:
        return {"skipped": "missing"}
    if doc.deadline != deadline:
        return {"skipped": "deadline moved"}  # the new deadline has its own job
    if doc.overdue_deadline == deadline:
        return {"skipped": "already recorded"}
    now = now_ms() if now is None else now
    if not is_overdue(doc.status, deadline, now):
        if now <= deadline:  # woken early (clock skew between processes)
            raise RetryLater(
                "deadline not reached yet", after_seconds=(deadline - now) / 1000 + 0.01
            )
        return {"skipped": doc.status.value}
    entry = {
        "at": now,
        "actor": None,
        "kind": "overdue",
        "from_status": doc.status.value,
        "to_status": doc.status.value,
        "from_assignees": [],
        "to_assignees": list(doc.assignees),
        "reason": "",
    }
    data = {
        "status": doc.status.value,
        "topic_id": doc.topic_id,
        "assignees": list(doc.assignees),
        "deadline": deadline,
    }
    carried = await pending.prepare(tenant, ACTOR, KIND, "assignment", doc.id, data)
    changed = await audited_update(
        AssignmentDoc,
        tenant,
        {"_id": doc.id, "version": doc.version},
        {
            "$set": {
                "overdue_deadline": deadline,
                "updated_at": now,
                f"history.{len(doc.history) + 1:06d}": entry,
            },
            "$inc": {"version": 1},
        },
        carried,
    )
    if changed is None:
        raise RetryLater("the assignment changed meanwhile; check again")
    await settled(changed, carried)
    await publish(tenant, "assignment", KIND, doc.id, None, data)
    return {"overdue": doc.id}


async def _handle(job: JobDoc) -> dict[str, object]:
    return await record_overdue(
        job.tenant, str(job.payload["assignment_id"]), int(job.payload["deadline"])
    )


def overdue_consumer() -> Consumer:
    """The worker's consumer of overdue checks (no outbox events: jobs are enqueued directly)."""
    return Consumer(
        CONSUMER, (), _handle, RetryPolicy(max_attempts=20, base_seconds=1, cap_seconds=300)
    )
