"""Appending to and verifying the hash-chained audit log (one chain per tenant).

Sequence numbers are claimed by inserting `_id = {tenant}:{seq:012d}`: the store's
unique `_id` makes the claim atomic, and a writer that loses the race re-reads the
head and tries the next number. Nothing updates or deletes entries.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from beanie.odm.enums import SortDirection
from pymongo.errors import DuplicateKeyError

from hub.identity.documents import AuditEntryDoc
from hub.ids import now_ms

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


def _coll() -> Any:
    return AuditEntryDoc.get_pymongo_collection()


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
    entry records (hashed with it), so a recovery can tell whether it was written."""
    for _ in range(100):
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
            continue  # another writer took this number; chain onto theirs
        return entry
    raise RuntimeError(f"could not append to the audit log of {tenant}")


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
    before this, hub/audit/recover.py appends it from the stored event instead."""
    audit = event.audit
    await append(tenant, audit["actor"], audit["action"], "story", audit["target_id"], audit["details"], key=event.id)


async def record_story_state(tenant: str, actor: str | None, action: str, doc: Any) -> None:
    """An extra audit entry about a story's current state (e.g. the urgent path's
    confirmation beside its status change)."""
    await append(tenant, actor, action, "story", doc.id,
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
