"""The job queue: enqueue, claim with a lease, heartbeat, complete, fail, replay.

Claims scan across tenants (the worker is a system process); every job still carries
its tenant, and the editor-facing calls (`dead_letters`, `replay`) take a Scope.
"""

from __future__ import annotations

import secrets
from typing import Any

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.domain.retry import RetryPolicy
from hub.errors import Codes, HubError
from hub.ids import now_ms
from hub.jobs import wakeup
from hub.jobs.documents import JobDoc, JobState
from hub.store.cursor import eq
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted, across_tenants


def _of(job: JobDoc) -> Tenanted:
    """The queue as the job's tenant sees it (claims are the one cross-tenant read)."""
    return Tenanted(JobDoc, job.tenant)


class LeaseLost(Exception):
    """The job's lease expired and someone else holds it now; drop the result."""


async def enqueue(
    tenant: str,
    consumer: str,
    kind: str,
    key: str,
    payload: dict[str, Any] | None = None,
    ready_at: int | None = None,
) -> bool:
    """Create the job unless one with this (consumer, key) exists. True if created."""
    doc = JobDoc(
        id=JobDoc.make_id(consumer, key),
        tenant=tenant,
        consumer=consumer,
        kind=kind,
        key=key,
        payload=payload or {},
        ready_at=ready_at if ready_at is not None else now_ms(),
    )
    try:
        await doc.insert()
    except DuplicateKeyError:
        return False
    wakeup.notify()
    return True


def ready_filter(consumer: str, now: int) -> dict[str, Any]:
    """`consumer`'s jobs due by `now` (pending, or running with an expired lease).

    `$eq`: with plain equalities the embedded store scans every job ever made (the
    collection keeps finished ones) on every claim, and a worker claims once per consumer
    per pass: 131 ms at 20,000 jobs, against 7.5 ms on the (consumer, open, ready_at) index.
    """
    return {"consumer": eq(consumer), "open": eq(True), "ready_at": {"$lte": now}}


async def claim(consumer: str, owner: str, lease_ms: int) -> JobDoc | None:
    """Atomically take the oldest ready job of `consumer` (or one whose lease expired)."""
    now = now_ms()
    raw = await across_tenants(
        JobDoc, reason="a claim takes the oldest ready job of the consumer, of any tenant"
    ).find_one_and_update(
        ready_filter(consumer, now),
        {
            "$set": {
                "state": JobState.RUNNING.value,
                "ready_at": now + lease_ms,
                "lease_owner": owner,
                "lease_token": secrets.token_hex(8),
                "updated_at": now,
            },
            "$inc": {"attempts": 1},
        },
        sort=[("ready_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    return JobDoc.model_validate(raw) if raw else None


def _mine(job: JobDoc) -> dict[str, Any]:
    return {"_id": job.id, "lease_token": job.lease_token, "open": True}


async def heartbeat(job: JobDoc, lease_ms: int) -> None:
    res = await _of(job).update_one(_mine(job), {"$set": {"ready_at": now_ms() + lease_ms}})
    if res.matched_count == 0:
        raise LeaseLost(job.id)


async def complete(job: JobDoc, result: dict[str, Any] | None = None) -> None:
    now = now_ms()
    res = await _of(job).update_one(
        _mine(job),
        {
            "$set": {
                "state": JobState.DONE.value,
                "open": False,
                "result": result or {},
                "last_error": None,
                "updated_at": now,
                "finished_at": now,
            }
        },
    )
    if res.matched_count == 0:
        raise LeaseLost(job.id)


async def fail(
    job: JobDoc,
    error: str,
    policy: RetryPolicy,
    retry_after_s: float | None = None,
    permanent: bool = False,
) -> JobState:
    """Schedule a retry with backoff (or the platform's Retry-After), or give up (dead)."""
    now = now_ms()
    if permanent or policy.exhausted(job.attempts):
        update: dict[str, Any] = {
            "state": JobState.DEAD.value,
            "open": False,
            "finished_at": now,
        }
        state = JobState.DEAD
    else:
        delay = policy.delay(job.attempts)
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        update = {"state": JobState.PENDING.value, "ready_at": now + int(delay * 1000)}
        state = JobState.PENDING
    update.update({"last_error": error[:2_000], "updated_at": now, "lease_owner": None})
    res = await _of(job).update_one(_mine(job), {"$set": update})
    if res.matched_count == 0:
        raise LeaseLost(job.id)
    return state


async def defer(job: JobDoc, until_ms: int, reason: str | None) -> None:
    """Put the job back to run at `until_ms`, giving back the attempt its claim counted
    (`reason`, when given, is kept as its last error)."""
    now = now_ms()
    fields: dict[str, Any] = {
        "state": JobState.PENDING.value,
        "ready_at": until_ms,
        "updated_at": now,
        "lease_owner": None,
    }
    if reason is not None:
        fields["last_error"] = reason[:2_000]
    res = await _of(job).update_one(_mine(job), {"$set": fields, "$inc": {"attempts": -1}})
    if res.matched_count == 0:
        raise LeaseLost(job.id)


async def release(job: JobDoc, after_ms: int) -> None:
    """Give a claimed job back without counting its attempt: it was cut short by an
    outage (the store went away, the disk was full), not by its own failure, so an
    outage never uses up a job's retries or dead-letters it."""
    await defer(job, now_ms() + after_ms, None)


async def dead_letters(scope: Scope, consumer: str | None = None, limit: int = 100) -> list[JobDoc]:
    q: dict[str, Any] = {"tenant": scope.tenant, "state": JobState.DEAD.value}
    if consumer:
        q["consumer"] = consumer
    return (
        await JobDoc.find(q).sort([("updated_at", SortDirection.DESCENDING)]).limit(limit).to_list()
    )


async def replay(scope: Scope, job_id: str) -> JobDoc:
    """Send a dead job back to the queue with a fresh attempt count."""
    if scope.anonymous:
        raise HubError(Codes.UNAUTHENTICATED)
    raw = await Tenanted(JobDoc, scope.tenant).find_one_and_update(
        {"_id": job_id, "state": JobState.DEAD.value},
        {
            "$set": {
                "state": JobState.PENDING.value,
                "open": True,
                "attempts": 0,
                "ready_at": now_ms(),
                "updated_at": now_ms(),
                "finished_at": None,
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    if raw is None:
        raise HubError(Codes.NOT_FOUND, what_zh="失败任务", what_en="dead job", id=job_id)
    return JobDoc.model_validate(raw)


async def get(job_id: str) -> JobDoc | None:
    return await JobDoc.get(job_id)
