"""Appending to and verifying the hash-chained audit log (one chain per tenant).

Sequence numbers are claimed by inserting `_id = {tenant}:{seq:012d}`: the store's
unique `_id` makes the claim atomic, and a writer that loses the race re-reads the
head and tries the next number. Nothing updates or deletes entries.

Within a process the appends of one tenant take turns (per tenant and event loop): they
would only race each other for the same number, and under a burst of writers (64 at
once) most attempts lost and some writers ran out of tries. Taking turns one entry at a
time made every write of a tenant wait for all appends before it (two round trips each:
at 64 writers, seconds), so a turn appends every entry waiting by then (group commit):
one ordered `insert_many` of consecutive numbers, each entry chained onto the one before
it, onto the head read first, or onto the last entry this process appended if that was
within `HEAD_MEMORY_SECONDS` (a burst of turns then costs one round trip each). One task
takes the turns back to back while entries keep coming, and each caller waits for its
own entry only (with a lock per tenant, the callers whose entries a turn had written
each took the lock in turn before the next turn could start: one pass of the event
loop each, under load most of a write's wait). Appends of other processes can still
take a number first: the entries before it are in, the rest are chained again onto the
new head (read at once when it was the remembered one that was behind, else after a
back-off, exponential, full jitter) until `APPEND_BUDGET_SECONDS` have passed; then the
rest raise `AppendGaveUp`. A change that is already committed never reports that to its client:
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
from functools import partial
from typing import Any

import structlog
from beanie.odm.enums import SortDirection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hub.group_commit import Turns, failure_seen
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


def backoff(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before try `attempt` + 1 (full jitter: uniform in [0, cap])."""
    return rand() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)


@dataclass
class _Request:
    """One caller's entry waiting for its turn; `done` carries the stored entry (or the error)."""

    fields: dict[str, Any]
    done: asyncio.Future[dict[str, Any]]


#: how long this process trusts the last entry it appended as the head of the chain
HEAD_MEMORY_SECONDS = 2.0


@dataclass
class _Turns(Turns[_Request]):
    """One tenant's appends in one process (and event loop): the group commit's turns
    (hub/group_commit.py) and the last entry this process appended with when
    (`time.monotonic`)."""

    head: dict[str, Any] | None = None
    head_at: float = 0.0

    def remembered(self, now: float) -> dict[str, Any] | None:
        """The head as this process last wrote it, while that is recent."""
        if self.head is not None and now - self.head_at <= HEAD_MEMORY_SECONDS:
            return self.head
        return None


# (database, tenant) -> its appends, per event loop
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], _Turns]] = (
    weakref.WeakKeyDictionary()
)


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
    Raises `AppendGaveUp` when other processes kept winning for `APPEND_BUDGET_SECONDS`,
    or when the turn that carried the entry failed (the store refused, or went away).

    The entry joins the ones waiting for the tenant's next turn. With no turn under way
    one starts at once with the entries waiting (usually just this one); a task takes
    the turns one after another while entries keep coming (`_take_turns`)."""
    fields = {
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details or {},
        **({"key": key} if key else {}),
    }
    loop = asyncio.get_running_loop()
    request = _Request(fields, loop.create_future())
    request.done.add_done_callback(failure_seen)
    turns = _turns.setdefault(loop, {}).setdefault((_coll(tenant).database_name, tenant), _Turns())
    turns.join(
        request, take=partial(_take_turn, tenant, turns), fail=partial(_failed, tenant, turns)
    )
    # shielded: a caller that gives up waiting does not stop the turn its entry is in
    return await asyncio.shield(request.done)


async def _take_turn(tenant: str, turns: _Turns, batch: list[_Request]) -> None:
    await _append_many_turn(tenant, batch, memory=turns)


def _failed(tenant: str, turns: _Turns, batch: list[_Request], exc: BaseException) -> None:
    """A turn that failed (the store failed, or the task was cancelled, half-way: whether its entries got in is
    unknown) is not tried again here: each of its callers hears of it, and its change's
    carrier (outbox event, pending entry) has the entry appended by the recovery, which
    looks for its key first."""
    turns.head = None
    _fail(tenant, batch, exc)


def _fail(tenant: str, batch: list[_Request], exc: BaseException) -> None:
    for request in batch:
        if not request.done.done():
            failed = AppendGaveUp(
                f"the turn appending to the audit log of {tenant} failed: {exc!r}"
            )
            failed.__cause__ = exc
            request.done.set_exception(failed)


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
    tenant: str,
    batch: list[_Request],
    clock: Callable[[], float] = time.monotonic,
    memory: _Turns | None = None,
) -> None:
    """This process's turn for `tenant`: append the batch (only other processes can take a
    number now). Every request ends done: with its stored entry, or `AppendGaveUp`.

    With `memory`, the head this process wrote last, if recent, stands in for reading it:
    a burst of turns costs one insert each. If another process appended meanwhile, the
    first number is taken, nothing went in, and the turn reads the head and goes again
    (the unique `_id` decides, as for every append). The memory only ever lags the
    stored chain, which only grows: nothing updates or deletes entries."""
    deadline = clock() + APPEND_BUDGET_SECONDS
    attempt = 0
    while batch:
        remembered = memory.remembered(clock()) if memory is not None else None
        # `$eq`: the embedded store answers a plain equality by scanning the whole log and
        # sorting it (168 ms of store CPU per append at 54k entries, against 1 ms)
        head = remembered or await _coll(tenant).find_one(
            {"tenant": eq(tenant)}, sort=[("seq", -1)]
        )
        entries = _chained(tenant, head, batch)
        if memory is not None:
            memory.head = None  # until this insert is known to have gone in
        inserted = await _insert(tenant, entries)
        for request, entry in zip(batch[:inserted], entries[:inserted], strict=True):
            request.done.set_result(entry)
        batch = batch[inserted:]
        if memory is not None and inserted:
            last = entries[inserted - 1]
            memory.head, memory.head_at = {"seq": last["seq"], "hash": last["hash"]}, clock()
        if not batch:
            return
        if remembered is not None and not inserted:
            continue  # the remembered head was behind: read it, no back-off
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
