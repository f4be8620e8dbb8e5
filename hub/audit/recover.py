"""The safety net of story audit entries.

A story change stores its audit entry in its outbox event, in the same compare-and-set
as the change (hub/store/stories.py), and the writer appends it to the chain right
after. If the writer dies in between, the change is stored and its entry is not. So
the relay gives every audited event whose entry it does not find (yet) a job of this
consumer, due `audit_recovery_seconds` after the change, which appends the entry from
the stored event unless an entry with the event's key is there by then. A recovered entry says so (`details.recovered`) and keeps
the time of the change (`details.happened_at`); it stands in the chain where it was
appended, after entries written meanwhile.

Bound: a writer that stalls for longer than `audit_recovery_seconds` between the change
and its append, and then resumes, can leave the entry twice (both with the same key).
"""

from __future__ import annotations

from typing import Any

from hub.audit.log import append, has_key, keys_present
from hub.domain.retry import RetryPolicy
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc

CONSUMER = "audit.recover"


async def recover(job: JobDoc) -> dict[str, Any]:
    """Append the event's audit entry unless the writer did."""
    audit = job.payload["audit"]
    key = str(job.payload["event_id"])
    if await has_key(job.tenant, key):
        return {"present": key}
    details = {**audit["details"], "recovered": True, "happened_at": job.payload.get("at")}
    await append(
        job.tenant, audit["actor"], audit["action"], "story", audit["target_id"], details, key=key
    )
    return {"recovered": key}


async def missing(tenant: str, payload: dict[str, Any]) -> bool:
    """Asked by the relay: a job only for an audited event whose entry the writer has not
    appended yet (usually it has)."""
    return bool(payload.get("audit")) and not await has_key(tenant, str(payload["event_id"]))


async def missing_of(tenant: str, payloads: list[dict[str, Any]]) -> list[bool]:
    """`missing` for several events of `tenant` in one look (the relay asks once a sweep)."""
    keys = [str(p["event_id"]) for p in payloads if p.get("audit")]
    present = await keys_present(tenant, keys) if keys else set()
    return [bool(p.get("audit")) and str(p["event_id"]) not in present for p in payloads]


def recover_consumer(delay_seconds: float) -> Consumer:
    return Consumer(
        CONSUMER,
        ("story.",),
        recover,
        RetryPolicy(max_attempts=50, base_seconds=1, cap_seconds=300),
        delay_seconds=delay_seconds,
        needed=missing,
        needed_of=missing_of,
    )
