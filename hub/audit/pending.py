"""Audit entries that travel with their change: the generic form for documents written by
compare-and-set (or inserted), as the outbox event is for stories.

A writer builds the entry before its write (`prepare`, which also makes sure a sweep of
the tenant is scheduled), puts it into the same single-document update (`into`, or
`on_doc` for an insert): `audit_pending.<key>` = the entry with its time, the flag
`has_audit_pending` and `$inc audit_pending_rev`. Right after the write it calls
`settle`: the entry is appended to the chain with `key`, then `$unset` from the
document, and the flag is cleared when nothing is left (a compare-and-set on
`audit_pending_rev`, which every added entry bumps: nx-27017 cannot match an empty map).

If the writer dies in between, the document keeps the entry and its flag. The sweep (a
job on the jobs queue per tenant, `audit.pending`, key `{tenant}:{slot}`; see
`pending_consumer`) finds flagged documents of every collection whose model has these
fields (`AuditPendingFields`), and appends each entry older than
RONGHUB_AUDIT_RECOVERY_SECONDS unless an entry with its key exists, marked `recovered:
true` with the change's time as `happened_at`; then unsets it. A sweep that finds
younger entries schedules the next one for when they are old enough.

Bound (as for stories): a writer that stalls for longer than the recovery time between
its change and its append, and then resumes, can leave the entry twice (same key).
Only single-document writes carry an entry: a change spread over several documents
carries it on the one whose write decides it (see docs/identity.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from beanie import Document
from beanie.exceptions import CollectionWasNotInitialized
from pymongo import ReturnDocument

from hub.audit.fields import FLAG, PENDING, REV, AuditPendingFields, pending_index
from hub.audit.log import append, has_key
from hub.domain.retry import RetryPolicy
from hub.ids import new_id, now_ms
from hub.jobs import queue
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc
from hub.store.tenanted import Tenanted

log = structlog.get_logger(__name__)

__all__ = [
    "FLAG",
    "PENDING",
    "REV",
    "AuditPendingFields",
    "Pending",
    "pending_consumer",
    "pending_index",
    "prepare",
    "settle",
    "sweep",
]

CONSUMER = "audit.pending"
KIND = "audit.pending"
#: sweeps of a tenant are at most this far apart while it writes (one job per slot)
SLOT_MS = 10_000
#: flagged documents one sweep reads per collection (read first, then changed)
BATCH = 500


@dataclass(frozen=True)
class Pending:
    """One audit entry on its way: `key` names it in the chain and in the document."""

    tenant: str
    key: str
    actor: str | None
    action: str
    target_type: str
    target_id: str | None
    details: dict[str, Any]
    at: int

    def stored(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "details": self.details,
            "at": self.at,
        }

    def into(self, update: dict[str, Any]) -> dict[str, Any]:
        """`update` (a MongoDB update document) plus this entry, the flag and the rev bump."""
        out = dict(update)
        out["$set"] = {**update.get("$set", {}), f"{PENDING}.{self.key}": self.stored(), FLAG: True}
        out["$inc"] = {**update.get("$inc", {}), REV: 1}
        return out

    def fields(self) -> dict[str, Any]:
        """The `$set` part alone, for an upsert whose `$inc` the caller adds (`REV`)."""
        return {f"{PENDING}.{self.key}": self.stored(), FLAG: True}

    def on_doc(self, doc: Any) -> Any:
        """For an insert: the new document carries the entry."""
        doc.audit_pending = {**doc.audit_pending, self.key: self.stored()}
        doc.has_audit_pending = True
        doc.audit_pending_rev = doc.audit_pending_rev + 1
        return doc


# ---- the writer's side -------------------------------------------------------------------
_scheduled: dict[tuple[str, str], int] = {}  # (database, tenant) -> slot this process made sure of


def _slot_after(at: int) -> int:
    return (at // SLOT_MS + 1) * SLOT_MS


async def schedule(tenant: str, due: int) -> int:
    """Make sure a sweep of `tenant` runs at the first slot after `due` (ms); idempotent."""
    slot = _slot_after(due)
    memo = (Tenanted(JobDoc, tenant).database_name, tenant)
    if _scheduled.get(memo) != slot:
        await queue.enqueue(
            tenant, CONSUMER, KIND, f"{tenant}:{slot}", {"slot": slot}, ready_at=slot
        )
        _scheduled[memo] = slot
    return slot


async def prepare(
    tenant: str,
    actor: str | None,
    action: str,
    target_type: str,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> Pending:
    """The entry of a change about to be written; its sweep is scheduled first, so a
    crash right after the write still has one coming."""
    now = now_ms()
    await schedule(tenant, now)
    return Pending(
        tenant, new_id(), actor, action, target_type, target_id, dict(details or {}), now
    )


async def _unset(coll: Tenanted, tenant: str, doc_id: Any, keys: list[str]) -> None:
    """Remove `keys` from the document's pending entries; clear the flag if none is left
    and no entry was added meanwhile (compare-and-set on the rev)."""
    raw = await coll.find_one_and_update(
        {"_id": doc_id, "tenant": tenant},
        {"$unset": {f"{PENDING}.{k}": "" for k in keys}},
        projection={PENDING: 1, REV: 1},
        return_document=ReturnDocument.AFTER,
    )
    if raw is not None and not raw.get(PENDING):
        await coll.update_one(
            {"_id": doc_id, "tenant": tenant, REV: raw.get(REV, 0)}, {"$set": {FLAG: False}}
        )


async def settle(model: type[Document], doc_id: Any, pending: Pending) -> dict[str, Any] | None:
    """After the write: append the entry (keyed), then take it off the document. Never
    raises (the change is committed): an entry that cannot be appended now stays on the
    document for the sweep, which `prepare` scheduled; then None."""
    try:
        entry = await append(
            pending.tenant,
            pending.actor,
            pending.action,
            pending.target_type,
            pending.target_id,
            pending.details,
            key=pending.key,
        )
    except Exception:
        log.warning(
            "audit.append_deferred",
            tenant=pending.tenant,
            key=pending.key,
            action=pending.action,
            exc_info=True,
        )
        return None
    try:
        await _unset(Tenanted(model, pending.tenant), pending.tenant, doc_id, [pending.key])
    except Exception:  # the entry is in the chain; the sweep finds its key there and unsets it
        log.warning("audit.unset_failed", tenant=pending.tenant, key=pending.key, exc_info=True)
    return entry


# ---- the sweep -----------------------------------------------------------------------------
def swept_models() -> list[type[Document]]:
    """Every stored model whose documents can carry pending entries: a model registers by
    mixing in `AuditPendingFields`, and counts once the store has registered it (the
    composition root, `hub.wiring.document_models`, does so for every model at start)."""
    found: dict[str, type[Document]] = {}
    todo: list[type] = list(AuditPendingFields.__subclasses__())
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        if issubclass(model, Document) and _registered(model):
            found[f"{model.__module__}.{model.__qualname__}"] = model
    return [found[name] for name in sorted(found)]


def _registered(model: type[Document]) -> bool:
    try:
        model.get_settings()
    except CollectionWasNotInitialized:
        return False
    return True


@dataclass
class SweepReport:
    recovered: list[str]
    present: list[str]
    waiting: int
    next_due: int | None


async def sweep(tenant: str, older_than_s: float, now: int | None = None) -> SweepReport:
    """Append the tenant's pending entries older than `older_than_s` that the chain lacks."""
    now = now_ms() if now is None else now
    cutoff = now - int(older_than_s * 1000)
    report = SweepReport([], [], 0, None)
    for model in swept_models():
        coll = Tenanted(model, tenant)
        found = (
            await coll.find({FLAG: {"$eq": True}, "tenant": {"$eq": tenant}}, {PENDING: 1, REV: 1})
            .limit(BATCH)
            .to_list()
        )
        if len(found) == BATCH:  # more than one sweep's worth: the next sweep comes at once
            report.next_due = now
        for raw in found:
            done: list[str] = []
            for key, entry in sorted((raw.get(PENDING) or {}).items()):
                at = int(entry.get("at") or 0)
                if at > cutoff:  # its writer may still be on its way
                    report.waiting += 1
                    due = at + int(older_than_s * 1000)
                    report.next_due = due if report.next_due is None else min(report.next_due, due)
                    continue
                if await has_key(tenant, key):
                    report.present.append(key)
                else:
                    details = {**(entry.get("details") or {}), "recovered": True, "happened_at": at}
                    await append(
                        tenant,
                        entry.get("actor"),
                        str(entry["action"]),
                        str(entry["target_type"]),
                        entry.get("target_id"),
                        details,
                        key=key,
                    )
                    report.recovered.append(key)
                    log.warning(
                        "audit.recovered",
                        tenant=tenant,
                        key=key,
                        action=entry["action"],
                        collection=coll.name,
                    )
                done.append(key)
            if done or not raw.get(PENDING):
                await _unset(coll, tenant, raw["_id"], done)
                if getattr(
                    model, "drop_when_settled", False
                ):  # a mere carrier: gone once its entries are in
                    await coll.delete_one({"_id": raw["_id"], "tenant": tenant, FLAG: False})
    return report


def pending_consumer(recovery_seconds: float) -> Consumer:
    """The worker's consumer of sweep jobs (enqueued by writers, not from the outbox)."""

    async def handle(job: JobDoc) -> dict[str, object]:
        report = await sweep(job.tenant, recovery_seconds)
        slot = int(job.payload["slot"])
        if report.next_due is not None:
            await schedule(job.tenant, max(report.next_due, slot))
        await Tenanted(JobDoc, job.tenant).delete_many(  # keep the queue small
            {
                "consumer": CONSUMER,
                "open": False,
                "payload.slot": {"$lt": slot},
            }
        )
        return {
            "recovered": report.recovered[:100],
            "present": len(report.present),
            "waiting": report.waiting,
        }

    return Consumer(
        CONSUMER, (), handle, RetryPolicy(max_attempts=50, base_seconds=1, cap_seconds=300)
    )


def without(doc: Any, entry: Pending) -> Any:
    """A copy of `doc` (as the writer holds it) without `entry`, as `settle` leaves it."""
    rest = {k: v for k, v in doc.audit_pending.items() if k != entry.key}
    return doc.model_copy(update={PENDING: rest, FLAG: bool(rest)})
