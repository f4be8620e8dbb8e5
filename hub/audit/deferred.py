"""Audit entries of changes that carry none of their own, appended after the change has
been committed (sign-ins, users and grants, clients, sharing, keys, review chains,
comments, proofreading, feeds and webhooks, the urgent path's confirmation …).

`record` appends at once. The change is committed by then, so nothing that goes wrong
here may reach its client as an error (a client that retries a committed change makes
it twice): if the append cannot be done now (`AppendGaveUp` after other processes kept
winning, or the store refused), the entry is stored in `audit_deferred`, one document
per entry carrying it as a pending entry (hub/audit/pending.py), and the tenant's sweep
appends it later, marked `recovered: true` with the change's time. Every entry written
here has a `key`, so the sweep can tell whether the first try got in after all.

Bound: a crash between the change and this call still loses the entry (documented in
docs/identity.md); what this module removes is the error reported for a stored change.
"""

from __future__ import annotations

from typing import Any, ClassVar

import structlog

from hub.audit.fields import AuditPendingFields, pending_index
from hub.audit.log import append
from hub.ids import new_id, now_ms
from hub.store.documents import TenantDocument

log = structlog.get_logger(__name__)


class AuditDeferredDoc(TenantDocument, AuditPendingFields):
    """An audit entry whose append failed after its change was committed; swept like any
    document with pending entries, and deleted by the sweep once its entry is in the chain."""

    drop_when_settled: ClassVar[bool] = True

    class Settings:
        name = "audit_deferred"
        indexes: ClassVar[list[Any]] = [pending_index()]


async def record(
    tenant: str,
    actor: str | None,
    action: str,
    target_type: str,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Append the entry of a committed change; never raises. Returns the entry, or None
    when it was left for the sweep."""
    key, at = new_id(), now_ms()
    try:
        return await append(tenant, actor, action, target_type, target_id, details, key=key)
    except Exception:
        log.warning("audit.append_deferred", tenant=tenant, action=action, key=key, exc_info=True)
    await defer(tenant, key, at, actor, action, target_type, target_id, details)
    return None


async def defer(
    tenant: str,
    key: str,
    at: int,
    actor: str | None,
    action: str,
    target_type: str,
    target_id: str | None,
    details: dict[str, Any] | None,
) -> None:
    """Store the entry for the tenant's sweep (which is scheduled first). If even that
    fails the store is down: the entry is lost and said so in the log, the change stands."""
    from hub.audit import pending  # the jobs queue: imported when needed

    try:
        await pending.schedule(tenant, at)
        carried = pending.Pending(
            tenant, key, actor, action, target_type, target_id, dict(details or {}), at
        )
        await carried.on_doc(AuditDeferredDoc(id=key, tenant=tenant)).insert()
    except Exception:
        log.error(
            "audit.entry_lost",
            tenant=tenant,
            action=action,
            key=key,
            target_id=target_id,
            exc_info=True,
        )


async def record_story_state(tenant: str, actor: str | None, action: str, doc: Any) -> None:
    """An extra audit entry about a story's current state (e.g. the urgent path's
    confirmation beside its status change), after the change; never raises."""
    await record(
        tenant,
        actor,
        action,
        "story",
        doc.id,
        {
            "version": doc.version,
            "status": str(getattr(doc.status, "value", doc.status)),
            "content_hash": doc.content_hash,
        },
    )
