"""Appending to and verifying the hash-chained audit log (one chain per tenant).

Sequence numbers are claimed by inserting `_id = {tenant}:{seq:012d}`: the store's
unique `_id` makes the claim atomic, and a writer that loses the race re-reads the
head and tries the next number. Nothing updates or deletes entries.

Within a process the appends of one tenant take turns (one lock per tenant and event
loop): they would only race each other for the same number, and under a burst of
writers (64 at once) most attempts lost and some writers ran out of tries. Appends of
other processes can still take a number first: then the appender backs off (exponential,
full jitter) and tries again until `APPEND_BUDGET_SECONDS` have passed, and raises
`AppendGaveUp`. A change that is already committed never reports that to its client:
its entry travels with the change (the story's outbox event, `audit_pending` on the
document, or an `audit_deferred` document) and recovery appends it later
(hub/audit/recover.py, hub/audit/pending.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from beanie.odm.enums import SortDirection
from pymongo.errors import DuplicateKeyError

from hub.identity.documents import AuditEntryDoc
from hub.ids import now_ms

log = structlog.get_logger(__name__)

GENESIS = "0" * 64
_FIELDS = ("tenant", "seq", "at", "actor", "action", "target_type", "target_id", "details", "prev_hash")


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes an entry's hash covers: its fields (not `hash`, not `_id`) as canonical JSON;
    `key` only where the entry has one (entries written before keys existed keep their hash)."""
    body = {k: entry.get(k) for k in _FIELDS}
    if entry.get("key") is not None:
        body["key"] = entry["key"]
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def entry_id(tenant: str, seq: int) -> str:
    return f"{tenant}:{seq:012d}"


#: how long one append keeps trying while other processes take the numbers it wanted
APPEND_BUDGET_SECONDS = 5.0
#: backoff between tries after another process won a number: full jitter up to base * 2^n, capped
BACKOFF_BASE_SECONDS = 0.002
BACKOFF_CAP_SECONDS = 0.25


class AppendGaveUp(RuntimeError):
    """Other processes kept taking the next number for longer than the budget: the entry
    is not in the chain; whatever carries it (outbox event, pending entry) appends it later."""


def _coll() -> Any:
    return AuditEntryDoc.get_pymongo_collection()


# (database, tenant) -> lock, per event loop (an asyncio lock belongs to one loop)
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], asyncio.Lock]] = weakref.WeakKeyDictionary()


def _tenant_lock(tenant: str) -> asyncio.Lock:
    per_loop = _locks.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault((_coll().database.name, tenant), asyncio.Lock())


def backoff(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before try `attempt` + 1 (full jitter: uniform in [0, cap])."""
    return rand() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)


async def append(
    tenant: str,
    actor: str | None,
    action: str,
    target_type: str,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """Add one entry to `tenant`'s chain and return it. `key` names the change the
    entry records (hashed with it), so a recovery can tell whether it was written.
    Raises `AppendGaveUp` when other processes kept winning for `APPEND_BUDGET_SECONDS`."""
    async with _tenant_lock(tenant):
        return await _append_turn(tenant, actor, action, target_type, target_id, details, key)


async def _append_turn(
    tenant: str,
    actor: str | None,
    action: str,
    target_type: str,
    target_id: str | None,
    details: dict[str, Any] | None,
    key: str | None,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """This process's turn for `tenant`: only other processes can take a number now."""
    deadline = clock() + APPEND_BUDGET_SECONDS
    attempt = 0
    while True:
        head = await _coll().find_one({"tenant": tenant}, sort=[("seq", -1)])
        seq = int(head["seq"]) + 1 if head else 1
        entry: dict[str, Any] = {
            "tenant": tenant,
            "seq": seq,
            "at": now_ms(),
            "actor": actor,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "details": details or {},
            "prev_hash": head["hash"] if head else GENESIS,
            **({"key": key} if key else {}),
        }
        entry["hash"] = entry_hash(entry)
        try:
            await _coll().insert_one({"_id": entry_id(tenant, seq), **entry})
        except DuplicateKeyError:
            # another process took this number: chain onto theirs, after a pause that
            # spreads the processes apart (they all saw the same head)
            if clock() >= deadline:
                raise AppendGaveUp(f"could not append to the audit log of {tenant}") from None
            await asyncio.sleep(backoff(attempt))
            attempt += 1
            continue
        return entry


async def entries(tenant: str, first: int, before_seq: int | None = None) -> list[AuditEntryDoc]:
    """Newest first; `before_seq` pages backwards."""
    q: dict[str, Any] = {"tenant": tenant}
    if before_seq is not None:
        q["seq"] = {"$lt": before_seq}
    return await AuditEntryDoc.find(q).sort([("seq", SortDirection.DESCENDING)]).limit(first).to_list()


@dataclass(frozen=True)
class Problem:
    entry: str
    reason: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.reason}"


async def tenants_with_entries() -> list[str]:
    cursor = await _coll().aggregate([{"$group": {"_id": "$tenant"}}])
    rows = await cursor.to_list()
    return sorted(str(r["_id"]) for r in rows)


def story_audit(
    actor: str | None, action: str, story_id: str, version: int, status: Any, content_hash: str
) -> dict[str, Any]:
    """The audit entry of a story change, as stored in the change's outbox event."""
    return {"actor": actor, "action": action, "target_id": story_id,
            "details": {"version": version, "status": str(getattr(status, "value", status)), "content_hash": content_hash}}  # fmt: skip


async def record_story(tenant: str, event: Any) -> None:
    """Append the audit entry a story change carries in its outbox event (`event.audit`),
    keyed by the event's id: right after the change, by the writer. If the writer died
    before this, or the append cannot be done now, hub/audit/recover.py appends it from
    the stored event instead. Never raises: the change is committed."""
    audit = event.audit
    try:
        await append(tenant, audit["actor"], audit["action"], "story", audit["target_id"], audit["details"], key=event.id)
    except Exception:  # the change is committed: never an error to its client
        log.warning("audit.append_deferred", tenant=tenant, key=event.id, action=audit["action"], exc_info=True)


async def record_story_state(tenant: str, actor: str | None, action: str, doc: Any) -> None:
    """An extra audit entry about a story's current state (e.g. the urgent path's
    confirmation beside its status change), after the change; never raises."""
    from hub.audit.deferred import record

    await record(tenant, actor, action, "story", doc.id,
                 {"version": doc.version, "status": str(getattr(doc.status, "value", doc.status)), "content_hash": doc.content_hash})  # fmt: skip


async def has_key(tenant: str, key: str) -> bool:
    """Whether an entry appended with `key` exists (the recovery's duplicate check)."""
    return await _coll().find_one({"tenant": tenant, "key": key}, {"_id": 1}) is not None


async def verify(tenant: str) -> tuple[int, list[Problem]]:
    """Walk `tenant`'s chain from the start: (entries checked, problems found)."""
    problems: list[Problem] = []
    prev = GENESIS
    expected = 1
    count = 0
    async for raw in _coll().find({"tenant": tenant}).sort([("seq", 1)]):
        count += 1
        name = str(raw.get("_id"))
        seq = raw.get("seq")
        if seq != expected:
            problems.append(Problem(name, f"sequence {seq} where {expected} was expected (entry missing or renumbered)"))
        if raw.get("prev_hash") != prev:
            problems.append(Problem(name, "prev_hash does not match the previous entry's hash"))
        if entry_hash(raw) != raw.get("hash"):
            problems.append(Problem(name, "content does not match its hash (entry was edited)"))
        if name != entry_id(tenant, seq if isinstance(seq, int) else -1):
            problems.append(Problem(name, "id does not match tenant and sequence"))
        prev = str(raw.get("hash"))
        expected = (seq if isinstance(seq, int) else expected) + 1
    return count, problems
