"""Idempotent creates: a client names its create with a key of its choosing
(`idempotencyKey`), and sending it again never makes a second object.

Keys are scoped per tenant, per actor (the signed-in user or client) and per operation
(`createStory`, `createLead` …). The first request with a key claims it by inserting
`idempotency_keys` with `_id` = a digest of (tenant, actor, operation, key), which holds
the fingerprint of its input and the id the object *will* have. The store's unique
`_id` makes the claim atomic; every later request with that key reads the claim:

- another input (fingerprint) → `IDEMPOTENCY_KEY_REUSED`;
- the same input → the object with the claimed id if it exists; if not yet (the first
  request is still on its way, or died before its insert), it creates it itself with
  that id. Two creates of the same id cannot both succeed (unique `_id` again): the
  loser reads and returns the winner's object.

So two simultaneous requests with one key make one object, whichever finishes first,
without waiting on each other and without relying on transaction isolation (which the
embedded store lacks). A create refused before anything was written (bad input, no
permission) gives the key back, so the client can correct its input and send it again
with the same key.

Keys are kept for a retention window (`RONGHUB_IDEMPOTENCY_KEY_RETENTION_SECONDS`, a day
by default, as payment APIs do): a retry inside it is answered as above; after it the key
is free again and names a new create. An expired claim is treated as absent when read
(so the window holds to the millisecond whatever the sweep does), and every
`SWEEP_EVERY`th first claim in a process deletes the tenant's expired claims (an
indexed range delete: no TTL index, which the embedded store keeps only on dates set by
inserts, and no background task).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from hub.errors import Codes, HubError, invalid
from hub.ids import new_id, now_ms
from hub.store.documents import TenantDocument
from hub.store.scope import Scope

T = TypeVar("T")

MAX_KEY_CHARS = 200
SWEEP_EVERY = 200


@dataclass
class KeyConfig:
    retention_seconds: int = 86_400


config = KeyConfig()
_claims_since_sweep = 0


def configure(retention_seconds: int) -> None:
    """Set from the hub's settings at start-up (hub/app.py)."""
    config.retention_seconds = retention_seconds


#: how the `idempotencyKey` input of every create is described in the schema
IDEMPOTENCY_KEY_HELP = (
    "your own id for this create (e.g. a UUID; per user, 1-200 characters): sent again with the same "
    "input it returns the object already made, never a second one; with other input IDEMPOTENCY_KEY_REUSED. "
    "A key is kept for the hub's retention window (a day by default), then names a new create"
)

#: what each operation is called in the refusal (Chinese)
OPERATIONS_ZH = {
    "createStory": "新建稿件",
    "createLead": "新建线索",
    "proposeTopic": "选题申报",
    "dispatchAssignment": "派单",
    "addComment": "批注",
    "createFeedSubscription": "新建订阅",
    "uploadAsset": "上传",
}


class IdempotencyKeyDoc(TenantDocument):
    """One claimed key: `_id` is the digest of (tenant, actor, operation, key)."""

    actor: str
    operation: str
    key: str
    fingerprint: str
    target_id: str
    created_at: int

    class Settings:
        name = "idempotency_keys"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("actor", 1)]),
            IndexModel([("tenant", 1), ("created_at", 1)]),  # the sweep of expired claims
        ]


def claim_id(tenant: str, actor: str, operation: str, key: str) -> str:
    return (
        "ik"
        + hashlib.sha256(f"{tenant}\x00{actor}\x00{operation}\x00{key}".encode()).hexdigest()[:40]
    )


def fingerprint(values: Mapping[str, Any]) -> str:
    """The input a key stands for, as a digest (canonical JSON; values not JSON are text)."""
    body = json.dumps(
        values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(body.encode()).hexdigest()


def check_key(key: str) -> str:
    """A key is 1-200 printable characters (a UUID is the usual choice)."""
    if not key or len(key) > MAX_KEY_CHARS or not key.isprintable() or key != key.strip():
        raise invalid(
            "idempotencyKey",
            f"幂等键须为 1–{MAX_KEY_CHARS} 个可见字符(建议使用 UUID)",
            f"must be 1-{MAX_KEY_CHARS} printable characters (a UUID is a good choice)",
        )
    return key


@dataclass(frozen=True)
class Claim:
    id: str
    target_id: str
    first: bool  # this request inserted the claim


async def claim(
    scope: Scope, operation: str, key: str, print_: str, target: str | None = None
) -> Claim:
    """Claim `key` for this input (for the object id `target`, default a new one), or find
    who did; refuses another input."""
    if scope.actor is None:
        raise HubError(Codes.UNAUTHENTICATED)
    cid = claim_id(scope.tenant, scope.actor, operation, check_key(key))
    coll = IdempotencyKeyDoc.get_pymongo_collection()
    target = target or new_id()
    now = now_ms()
    try:
        await coll.insert_one(
            {
                "_id": cid,
                "tenant": scope.tenant,
                "actor": scope.actor,
                "operation": operation,
                "key": key,
                "fingerprint": print_,
                "target_id": target,
                "created_at": now,
            }
        )
        await _maybe_sweep(scope.tenant, now)
        return Claim(cid, target, True)
    except DuplicateKeyError:
        pass
    raw = await coll.find_one({"_id": cid, "tenant": scope.tenant})
    if raw is None:  # given back by a refused first request just now: claim it afresh
        return await claim(scope, operation, key, print_, target)
    if int(raw["created_at"]) < now - config.retention_seconds * 1000:
        # past its window: the key is free again (only this expired claim is removed; a
        # request that renewed it meanwhile keeps its own)
        await coll.delete_one({"_id": cid, "tenant": scope.tenant, "created_at": raw["created_at"]})
        return await claim(scope, operation, key, print_, target)
    if raw["fingerprint"] != print_:
        raise HubError(
            Codes.IDEMPOTENCY_KEY_REUSED,
            key=key,
            operation=operation,
            operation_zh=OPERATIONS_ZH.get(operation, operation),
        )
    return Claim(cid, str(raw["target_id"]), False)


async def sweep(tenant: str, now: int | None = None) -> int:
    """Delete the tenant's claims past the retention window; how many went."""
    cutoff = (now if now is not None else now_ms()) - config.retention_seconds * 1000
    result = await IdempotencyKeyDoc.get_pymongo_collection().delete_many(
        {"tenant": tenant, "created_at": {"$lt": cutoff}}
    )
    return int(result.deleted_count)


async def _maybe_sweep(tenant: str, now: int) -> None:
    global _claims_since_sweep
    _claims_since_sweep += 1
    if _claims_since_sweep >= SWEEP_EVERY:
        _claims_since_sweep = 0
        await sweep(tenant, now)


async def release(scope: Scope, found: Claim) -> None:
    """Give the key back after a create that wrote nothing (its refusal is the answer)."""
    await IdempotencyKeyDoc.get_pymongo_collection().delete_one(
        {"_id": found.id, "tenant": scope.tenant, "target_id": found.target_id}
    )


async def create_once(
    scope: Scope,
    operation: str,
    key: str | None,
    values: Mapping[str, Any],
    create: Callable[[str], Awaitable[T]],
    load: Callable[[str], Awaitable[T | None]],
) -> T:
    """`create(id)` once per key: without a key a plain create with a new id; with one, the
    object made for the key (see the module's docstring). `load(id)` reads an object of the
    caller's tenant, None if there is none."""
    if key is None:
        return await create(new_id())
    found = await claim(scope, operation, key, fingerprint(values))
    if not found.first:
        existing = await load(found.target_id)
        if existing is not None:
            return existing
    try:
        return await create(found.target_id)
    except DuplicateKeyError:  # a simultaneous request with the same key made it first
        existing = await load(found.target_id)
        if existing is None:
            raise
        return existing
    except HubError:
        if await load(found.target_id) is None:
            await release(scope, found)
        raise
