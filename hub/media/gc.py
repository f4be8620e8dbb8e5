"""The media cleanup (清理): abandoned uploads expire and stored bytes nothing uses are freed.

What one sweep of a tenant does (the rules are in cleanup.py):
1. Each upload untouched for RONGHUB_MEDIA_UPLOAD_ABANDON_SECONDS is first marked
   `expired` by a compare-and-set on the status and touch time it was read with, so a
   part or a `complete` that arrives at that moment either keeps the upload alive or is
   refused with UPLOAD_EXPIRED, never half-applied. Then everything under its folder
   goes: parts, the direct upload's staging object, unfinished writes (S3 multipart
   uploads are aborted). A `completing` upload whose process died is finished instead
   when its asset was recorded, else its half-written original goes too.
2. Under the upload folders, what no live upload uses and nothing has touched for that
   long: leftovers of completed, aborted or vanished uploads, unfinished writes.
3. Elsewhere in the tenant's folder, unfinished writes that old (a single-request
   upload or a rendition whose process died mid-write).
Stored blobs of assets are never touched: only unfinished writes are, outside step 1.

When: one job per tenant on the jobs queue (`media.gc`, key `{tenant}:{slot}`), due
when its oldest live upload would be abandoned, so the due time survives restarts.
Starting an upload schedules one (idempotent: uploads close together share a slot);
each sweep schedules the next while live uploads remain. `ronghub media gc` sweeps
every tenant at once and, with `--dry-run`, lists what would go.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from hub.domain.retry import RetryPolicy
from hub.ids import now_ms
from hub.jobs import queue
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc
from hub.media.blobs import BlobEntry
from hub.media.cleanup import (
    LIVE,
    UploadUse,
    abandoned_at,
    asset_prefix,
    is_abandoned,
    leftovers,
    sweep_granularity_ms,
    sweep_slot,
    tenant_prefix,
    upload_id_of,
    upload_prefix,
    uploads_prefix,
)
from hub.media.documents import UploadDoc, UploadPart
from hub.settings import Settings
from hub.store.documents import AssetDoc, TenantDoc
from hub.store.tenanted import Tenanted, across_tenants

if TYPE_CHECKING:
    from hub.media.service import MediaService

log = structlog.get_logger(__name__)

CONSUMER = "media.gc"
KIND = "media.gc"


@dataclass
class SweepReport:
    """What a sweep of one tenant removed (or, in a dry run, would remove)."""

    tenant: str
    dry_run: bool = False
    expired: list[UploadDoc] = field(default_factory=list)
    finished: list[UploadDoc] = field(
        default_factory=list
    )  # crashed `complete`s whose asset exists
    blobs: list[BlobEntry] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(entry.size for entry in self.blobs)

    def summary(self) -> dict[str, Any]:
        return {
            "expired": [doc.id for doc in self.expired][:100],
            "finished": [doc.id for doc in self.finished][:100],
            "blobs": sum(1 for e in self.blobs if e.partial is None),
            "unfinished_writes": sum(1 for e in self.blobs if e.partial is not None),
            "bytes": self.bytes,
        }


def _uploads(tenant: str) -> Tenanted:
    return Tenanted(UploadDoc, tenant)


# ---- scheduling --------------------------------------------------------------------------
_last_slot: dict[tuple[str, str], int] = {}  # (database, tenant) -> slot this process made sure of


async def schedule(settings: Settings, tenant: str, due: int, after: int | None = None) -> int:
    """Make sure a sweep of `tenant` runs at (or just after) `due` (ms); returns its slot.
    `after` is the slot of the sweep running now: the next one comes later."""
    abandon_ms = settings.media_upload_abandon_seconds * 1000
    granularity = sweep_granularity_ms(abandon_ms)
    slot = sweep_slot(due, granularity, after)
    memo = (settings.mongodb_db, tenant)
    if _last_slot.get(memo) != slot:  # one insert per tenant and slot, not one per upload
        await queue.enqueue(
            tenant, CONSUMER, KIND, f"{tenant}:{slot}", {"slot": slot}, ready_at=slot
        )
        _last_slot[memo] = slot
    if after is not None:  # keep the queue small: older finished sweeps of the tenant go
        await Tenanted(JobDoc, tenant).delete_many(
            {"consumer": CONSUMER, "open": False, "payload.slot": {"$lt": after}}
        )
    return slot


async def schedule_for_upload(settings: Settings, tenant: str, now: int | None = None) -> int:
    """The sweep that will find an upload starting now if it is abandoned."""
    started = now_ms() if now is None else now
    return await schedule(
        settings, tenant, started + settings.media_upload_abandon_seconds * 1000 + 1
    )


async def next_due(tenant: str, abandon_ms: int) -> int | None:
    """When the tenant's oldest live upload becomes abandoned (None: no live upload)."""
    due: int | None = None
    for status in LIVE:
        raw = await _uploads(tenant).find_one(
            {"status": status}, {"updated_at": 1}, sort=[("updated_at", 1)]
        )
        if raw is not None:
            at = abandoned_at(status, int(raw["updated_at"]), abandon_ms)
            if at is not None and (due is None or at < due):
                due = at
    return due


# ---- sweeping ------------------------------------------------------------------------------
async def sweep(
    media: MediaService,
    tenant: str,
    *,
    now: int | None = None,
    older_than_s: int | None = None,
    dry_run: bool = False,
) -> SweepReport:
    """Expire the tenant's abandoned uploads and free what nothing uses (see the module
    docstring). `older_than_s` overrides the abandon time; `now` (ms) is for tests."""
    now = now_ms() if now is None else now
    idle_ms = (
        media.settings.media_upload_abandon_seconds if older_than_s is None else older_than_s
    ) * 1000
    cutoff = (now - idle_ms) / 1000  # unix seconds, as the blob store reports times
    report = SweepReport(tenant, dry_run)
    store = media.store

    # 1. abandoned uploads
    query = {"status": {"$in": list(LIVE)}, "updated_at": {"$lt": now - idle_ms}}
    async for raw in _uploads(tenant).find(query).sort([("updated_at", 1)]):
        doc = UploadDoc.model_validate(raw)
        if is_abandoned(doc.status, doc.updated_at, now, idle_ms):
            await _expire(media, doc, now, report)

    # 2. what the upload folders hold that no live upload uses
    handled = {doc.id for doc in (*report.expired, *report.finished)}
    groups: dict[str, list[BlobEntry]] = defaultdict(list)
    async for entry in store.scan(uploads_prefix(tenant)):
        upload_id = upload_id_of(entry.key, tenant)
        if upload_id is not None and upload_id not in handled:
            groups[upload_id].append(entry)
    uses: dict[str, UploadUse] = {}
    if groups:
        found = _uploads(tenant).find(
            {"_id": {"$in": sorted(groups)}},
            {"status": 1, "parts": 1, "staging_key": 1},
        )
        async for raw in found:
            keys = {UploadPart.decode(text).key for text in raw.get("parts") or []}
            if raw.get("staging_key"):
                keys.add(raw["staging_key"])
            uses[str(raw["_id"])] = UploadUse(str(raw.get("status", "open")), frozenset(keys))
    for upload_id, entries in groups.items():
        for entry in leftovers(entries, uses.get(upload_id), cutoff):
            await _discard(media, entry, report)

    # 3. unfinished writes elsewhere in the tenant's folder
    async for entry in store.scan(tenant_prefix(tenant), partial_only=True):
        if upload_id_of(entry.key, tenant) is None and entry.modified < cutoff:
            await _discard(media, entry, report)
    if report.expired or report.finished or report.blobs:
        log.info("media.gc", tenant=tenant, dry_run=dry_run, **report.summary())
    return report


async def _expire(media: MediaService, doc: UploadDoc, now: int, report: SweepReport) -> None:
    finished = False
    if doc.status == "completing" and doc.asset_id:
        finished = await AssetDoc.find_one({"tenant": doc.tenant, "_id": doc.asset_id}) is not None
    if not report.dry_run:
        change: dict[str, Any] = (
            {"status": "completed"} if finished else {"status": "expired", "expired_at": now}
        )
        taken = await _uploads(doc.tenant).update_one(
            {
                "_id": doc.id,
                "status": doc.status,
                "updated_at": doc.updated_at,
            },
            {"$set": {**change, "parts": []}},
        )
        if taken.matched_count == 0:
            return  # touched meanwhile: alive after all
    (report.finished if finished else report.expired).append(doc)
    prefixes = [upload_prefix(doc.tenant, doc.id)]
    if doc.status == "completing" and doc.asset_id and not finished:
        prefixes.append(asset_prefix(doc.tenant, doc.asset_id))  # a half-written original
    for prefix in prefixes:
        async for entry in media.store.scan(prefix):
            await _discard(media, entry, report)


async def _discard(media: MediaService, entry: BlobEntry, report: SweepReport) -> None:
    report.blobs.append(entry)
    if not report.dry_run:
        await media.store.discard(entry)


async def tenants_to_sweep() -> list[str]:
    """Every tenant that has uploads or is a known center (for `ronghub media gc`)."""
    uploads = across_tenants(UploadDoc, reason="media gc lists every tenant that has uploads")
    grouped = await uploads.aggregate([{"$group": {"_id": "$tenant"}}])
    found = {str(raw["_id"]) async for raw in grouped}
    centers = across_tenants(TenantDoc, reason="the tenant registry: every known center")
    found |= {str(raw["_id"]) async for raw in centers.find({}, {"_id": 1})}
    return sorted(found)


# ---- the job ---------------------------------------------------------------------------------
def gc_consumer(settings: Settings, media: MediaService) -> Consumer:
    """The worker's consumer of sweep jobs (enqueued directly, not from the outbox), sweeping
    through `media` (the composition root hands it the service of these settings)."""

    async def handle(job: JobDoc) -> dict[str, object]:
        try:
            report = await sweep(media, job.tenant)
        finally:  # even after a failed sweep the chain goes on
            due = await next_due(job.tenant, settings.media_upload_abandon_seconds * 1000)
            if due is not None:
                await schedule(settings, job.tenant, due, after=int(job.payload["slot"]))
        return report.summary()

    return Consumer(
        CONSUMER,
        (),
        handle,
        RetryPolicy(max_attempts=10, base_seconds=5, cap_seconds=600),
        lease_seconds=300,
    )
