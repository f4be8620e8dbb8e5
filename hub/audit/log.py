"""Appending to and verifying the hash-chained audit log (one chain per tenant).

Sequence numbers are claimed by inserting `_id = {tenant}:{seq:012d}`: the store's
unique `_id` makes the claim atomic, and a writer that loses the race re-reads the
head and tries the next number. Nothing updates or deletes entries.

Within a process the appends of one tenant take turns (one lock per tenant and event
loop): they would only race each other for the same number, and under a burst of
writers (64 at once) most attempts lost and some writers ran out of tries. Taking turns
one entry at a time made every write of a tenant wait for all appends before it (two
round trips each: at 64 writers, seconds), so a turn appends every entry waiting by
then (group commit): one head read and one ordered `insert_many` of consecutive
numbers, each entry chained onto the one before it. Appends of other processes can
still take a number first: the entries before it are in, the rest are chained again
onto the new head after a back-off (exponential, full jitter) until
`APPEND_BUDGET_SECONDS` have passed; then the rest raise `AppendGaveUp`. A change that is already committed never reports that to its client:
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
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hub.identity.documents import AuditEntryDoc
from hub.ids import now_ms
from hub.store.cursor import eq
from hub.store.tenanted import Tenanted, across_tenants

log = structlog.get_logger(__name__)

GENESIS = "0" * 64
_FIELDS = (
    "tenant",
    "seq",
    "at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "details",
    "prev_hash",
)


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


def _coll(tenant: str) -> Tenanted:
    return Tenanted(AuditEntryDoc, tenant)


# (database, tenant) -> lock, per event loop (an asyncio lock belongs to one loop)
_locks: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, str], asyncio.Lock]
] = weakref.WeakKeyDictionary()


def _tenant_lock(tenant: str) -> asyncio.Lock:
    per_loop = _locks.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault((_coll(tenant).database_name, tenant), asyncio.Lock())


def backoff(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before try `attempt` + 1 (full jitter: uniform in [0, cap])."""
    return rand() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)


@dataclass
class _Request:
    """One caller's entry waiting for its turn; `done` carries the stored entry (or the error)."""

    fields: dict[str, Any]
    done: asyncio.Future[dict[str, Any]]


# (database, tenant) -> entries waiting for the next turn, per event loop
_waiting: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, str], list[_Request]]
] = weakref.WeakKeyDictionary()


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
    Raises `AppendGaveUp` when other processes kept winning for `APPEND_BUDGET_SECONDS`.

    The entry joins the ones waiting for the tenant's turn; whoever gets the turn
    appends them all, so a caller usually finds its entry written when the lock is its."""
    fields = {
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details or {},
        **({"key": key} if key else {}),
    }
    request = _Request(fields, asyncio.get_running_loop().create_future())
    waiting = _waiting.setdefault(asyncio.get_running_loop(), {}).setdefault(
        (_coll(tenant).database_name, tenant), []
    )
    waiting.append(request)
    async with _tenant_lock(tenant):
        if not request.done.done():
            batch = list(waiting)
            waiting.clear()
            try:
                await _append_many_turn(tenant, batch)
            except BaseException as exc:
                # the store failed, or this caller was cancelled, half-way: whether the entries
                # in flight got in is unknown, so they are not tried again here; each caller
                # hears of it and its change's carrier (outbox event, pending entry) has the
                # entry appended by the recovery, which looks for its key first
                for other in batch:
                    if other is not request and not other.done.done():
                        other.done.set_exception(
                            AppendGaveUp(
                                f"the turn appending to the audit log of {tenant} failed: {exc!r}"
                            )
                        )
                raise
    return request.done.result()


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
    """One entry appended without taking the turn: what another process does."""
    fields = {
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details or {},
        **({"key": key} if key else {}),
    }
    request = _Request(fields, asyncio.get_running_loop().create_future())
    await _append_many_turn(tenant, [request], clock)
    return request.done.result()


def _chained(
    tenant: str, head: dict[str, Any] | None, batch: list[_Request]
) -> list[dict[str, Any]]:
    """The batch's entries numbered after `head`, each chained onto the one before."""
    seq = int(head["seq"]) if head else 0
    prev = head["hash"] if head else GENESIS
    at = now_ms()
    out = []
    for request in batch:
        seq += 1
        entry: dict[str, Any] = {
            "tenant": tenant,
            "seq": seq,
            "at": at,
            "prev_hash": prev,
            **request.fields,
        }
        entry["hash"] = prev = entry_hash(entry)
        out.append(entry)
    return out


async def _insert(tenant: str, entries: list[dict[str, Any]]) -> int:
    """Insert in order, stopping at the first number another process took: how many got in."""
    docs = [{"_id": entry_id(e["tenant"], e["seq"]), **e} for e in entries]
    if len(docs) == 1:
        try:
            await _coll(tenant).insert_one(docs[0])
        except DuplicateKeyError:
            return 0
        return 1
    try:
        await _coll(tenant).insert_many(docs, ordered=True)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors") or []
        if not errors or any(e.get("code") != 11000 for e in errors):
            raise
        return int(errors[0].get("index", 0))  # ordered: everything before the first error is in
    return len(docs)


async def _append_many_turn(
    tenant: str, batch: list[_Request], clock: Callable[[], float] = time.monotonic
) -> None:
    """This process's turn for `tenant`: append the batch (only other processes can take a
    number now). Every request ends done: with its stored entry, or `AppendGaveUp`."""
    deadline = clock() + APPEND_BUDGET_SECONDS
    attempt = 0
    while batch:
        # `$eq`: the embedded store answers a plain equality by scanning the whole log and
        # sorting it (168 ms of store CPU per append at 54k entries, against 1 ms)
        head = await _coll(tenant).find_one({"tenant": eq(tenant)}, sort=[("seq", -1)])
        entries = _chained(tenant, head, batch)
        inserted = await _insert(tenant, entries)
        for request, entry in zip(batch[:inserted], entries[:inserted], strict=True):
            request.done.set_result(entry)
        batch = batch[inserted:]
        if not batch:
            return
        # another process took the next number: chain onto theirs, after a pause that
        # spreads the processes apart (they all saw the same head)
        if clock() >= deadline:
            for request in batch:
                request.done.set_exception(
                    AppendGaveUp(f"could not append to the audit log of {tenant}")
                )
            return
        await asyncio.sleep(backoff(attempt))
        attempt += 1


async def entries(tenant: str, first: int, before_seq: int | None = None) -> list[AuditEntryDoc]:
    """Newest first; `before_seq` pages backwards."""
    q: dict[str, Any] = {"tenant": eq(tenant)}
    if before_seq is not None:
        q["seq"] = {"$lt": before_seq}
    return (
        await AuditEntryDoc.find(q).sort([("seq", SortDirection.DESCENDING)]).limit(first).to_list()
    )


@dataclass(frozen=True)
class Problem:
    entry: str
    reason: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.reason}"


async def tenants_with_entries() -> list[str]:
    every = across_tenants(AuditEntryDoc, reason="listing the tenants that have an audit log")
    cursor = await every.aggregate([{"$group": {"_id": "$tenant"}}])
    rows = await cursor.to_list()
    return sorted(str(r["_id"]) for r in rows)


def story_audit(
    actor: str | None, action: str, story_id: str, version: int, status: Any, content_hash: str
) -> dict[str, Any]:
    """The audit entry of a story change, as stored in the change's outbox event."""
    return {
        "actor": actor,
        "action": action,
        "target_id": story_id,
        "details": {
            "version": version,
            "status": str(getattr(status, "value", status)),
            "content_hash": content_hash,
        },
    }


async def record_story(tenant: str, event: Any) -> None:
    """Append the audit entry a story change carries in its outbox event (`event.audit`),
    keyed by the event's id: right after the change, by the writer. If the writer died
    before this, or the append cannot be done now, hub/audit/recover.py appends it from
    the stored event instead. Never raises: the change is committed."""
    audit = event.audit
    try:
        await append(
            tenant,
            audit["actor"],
            audit["action"],
            "story",
            audit["target_id"],
            audit["details"],
            key=event.id,
        )
    except Exception:  # the change is committed: never an error to its client
        log.warning(
            "audit.append_deferred",
            tenant=tenant,
            key=event.id,
            action=audit["action"],
            exc_info=True,
        )


async def has_key(tenant: str, key: str) -> bool:
    """Whether an entry appended with `key` exists (the recovery's duplicate check)."""
    return (
        await _coll(tenant).find_one({"tenant": eq(tenant), "key": eq(key)}, {"_id": 1}) is not None
    )


async def keys_present(tenant: str, keys: list[str]) -> set[str]:
    """Which of `keys` have an entry (`has_key` of several, one find on the (tenant, key) index)."""
    rows = (
        await _coll(tenant).find({"tenant": eq(tenant), "key": {"$in": keys}}, {"key": 1}).to_list()
    )
    return {str(r["key"]) for r in rows}


async def verify(tenant: str) -> tuple[int, list[Problem]]:
    """Walk `tenant`'s chain from the start: (entries checked, problems found)."""
    problems: list[Problem] = []
    prev = GENESIS
    expected = 1
    count = 0
    async for raw in _coll(tenant).find({"tenant": eq(tenant)}).sort([("seq", 1)]):
        count += 1
        name = str(raw.get("_id"))
        seq = raw.get("seq")
        if seq != expected:
            problems.append(
                Problem(
                    name,
                    f"sequence {seq} where {expected} was expected (entry missing or renumbered)",
                )
            )
        if raw.get("prev_hash") != prev:
            problems.append(Problem(name, "prev_hash does not match the previous entry's hash"))
        if entry_hash(raw) != raw.get("hash"):
            problems.append(Problem(name, "content does not match its hash (entry was edited)"))
        if name != entry_id(tenant, seq if isinstance(seq, int) else -1):
            problems.append(Problem(name, "id does not match tenant and sequence"))
        prev = str(raw.get("hash"))
        expected = (seq if isinstance(seq, int) else expected) + 1
    return count, problems
