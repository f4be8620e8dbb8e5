"""Growing delays after failed sign-ins, stored so they hold across hub processes.

The rules (which counters, how the delay grows, who is exempt) are in
`hub.identity.throttle_rules`; this keeps the counters in `sign_in_throttles` and
answers SIGN_IN_THROTTLED (429, Retry-After) while one must wait. Time comes from an
injectable clock (seconds, like `time.time`), so tests move it instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument

from hub.errors import HubError
from hub.identity import throttle_rules as rules
from hub.identity.documents import SignInThrottleDoc
from hub.identity.errors import AuthCodes
from hub.settings import Settings
from hub.store.tenanted import across_tenants

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose name it is (None where the name belongs to nobody)."""

    tenant: str
    id: str


def policy_of(settings: Settings) -> rules.Policy:
    return rules.Policy(
        free_per_address=settings.signin_free_failures_per_address,
        free_per_name=settings.signin_free_failures_per_name,
        base_seconds=settings.signin_delay_base_seconds,
        max_seconds=settings.signin_delay_max_seconds,
        forget_seconds=settings.signin_forget_seconds,
        known_address_seconds=settings.signin_known_address_seconds,
    )


def counter_of(raw: dict[str, Any] | None) -> rules.Counter:
    """The rules' view of a stored counter (a field never set counts as 0)."""
    if raw is None:
        return rules.Counter()
    return rules.Counter(
        failures=int(raw.get("failures", 0)),
        last_failure=int(raw.get("last_failure_at", 0)) / 1000,
        last_success=int(raw.get("last_success_at", 0)) / 1000,
    )


def _ids(kind: str, name: str, address: str) -> tuple[str, str]:
    return f"{kind}:{name}|{address}", f"{kind}:{name}"


class SignInThrottle:
    def __init__(self, settings: Settings, clock: Clock = time.time) -> None:
        self.policy = policy_of(settings)
        self.platform = settings.platform_tenant
        self.clock = clock
        self._swept = 0.0

    def _coll(self) -> Any:
        return across_tenants(
            SignInThrottleDoc, reason="sign-in counters are kept by name, before a tenant is known"
        )

    async def _counters(
        self, kind: str, name: str, address: str
    ) -> tuple[rules.Counter, rules.Counter]:
        pair_id, name_id = _ids(kind, name, address)
        found = {d["_id"]: d async for d in self._coll().find({"_id": {"$in": [pair_id, name_id]}})}
        return counter_of(found.get(pair_id)), counter_of(found.get(name_id))

    async def check(self, kind: str, name: str, address: str) -> None:
        """SIGN_IN_THROTTLED if this name may not be tried from this address yet. The
        answer depends only on the counters, never on whether the name exists."""
        pair, whole = await self._counters(kind, name, address)
        seconds = rules.wait_seconds(pair, whole, self.clock(), self.policy)
        if seconds > 0:
            raise HubError(AuthCodes.SIGN_IN_THROTTLED, seconds=seconds)

    def _expiry(self, at: float, keep: float) -> int:
        return int((at + keep) * 1000)

    async def _sweep(self, now: float) -> None:
        """Drop counters that no longer matter, at most once a minute per process (a TTL index
        would do it, but the embedded store keeps upserted dates as strings)."""
        if now - self._swept < 60:
            return
        self._swept = now
        await self._coll().delete_many({"expire_at": {"$lt": int(now * 1000)}})

    async def _count(
        self,
        doc_id: str,
        kind: str,
        name: str,
        address: str | None,
        owner: Owner | None,
        now: float,
    ) -> rules.Counter:
        now_ms = int(now * 1000)
        forget_before = now_ms - int(self.policy.forget_seconds * 1000)
        # a counter whose last failure is forgotten starts again
        await self._coll().update_one(
            {"_id": doc_id, "last_failure_at": {"$lt": forget_before}}, {"$set": {"failures": 0}}
        )
        raw = await self._coll().find_one_and_update(
            {"_id": doc_id},
            {
                "$inc": {"failures": 1},
                "$set": {
                    "kind": kind,
                    "name": name,
                    "address": address,
                    "last_failure_at": now_ms,
                    "tenant": owner.tenant if owner else self.platform,
                    "owner_id": owner.id if owner else None,
                    "expire_at": self._expiry(now, self.policy.forget_seconds),
                },
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        counter = counter_of(raw)
        if counter.last_success:  # keep a known address known for its whole time
            kept = self._expiry(counter.last_success, self.policy.known_address_seconds)
            if kept > self._expiry(now, self.policy.forget_seconds):
                await self._coll().update_one({"_id": doc_id}, {"$set": {"expire_at": kept}})
        return counter

    async def failed(self, kind: str, name: str, address: str, owner: Owner | None) -> int:
        """Count one failed attempt; the seconds the next one from this address must wait."""
        now = self.clock()
        await self._sweep(now)
        pair_id, name_id = _ids(kind, name, address)
        pair = await self._count(pair_id, kind, name, address, owner, now)
        whole = await self._count(name_id, kind, name, None, owner, now)
        return rules.wait_seconds(pair, whole, now, self.policy)

    async def succeeded(self, kind: str, name: str, address: str, owner: Owner) -> None:
        """The right secret from this address: its counter starts again, and the address is
        known (exempt from the name's ceiling) for known_address_seconds."""
        now = self.clock()
        pair_id, _ = _ids(kind, name, address)
        await self._coll().update_one(
            {"_id": pair_id},
            {
                "$set": {
                    "kind": kind,
                    "name": name,
                    "address": address,
                    "failures": 0,
                    "last_success_at": int(now * 1000),
                    "tenant": owner.tenant,
                    "owner_id": owner.id,
                    "expire_at": self._expiry(
                        now, max(self.policy.known_address_seconds, self.policy.forget_seconds)
                    ),
                },
            },
            upsert=True,
        )

    def until(self, doc: SignInThrottleDoc) -> float:
        """When the stored counter lets the next attempt through (seconds; <= now: at once)."""
        free = self.policy.free_per_name if doc.address is None else self.policy.free_per_address
        return rules.blocked_until(counter_of(doc.model_dump()), free, self.clock(), self.policy)

    async def recent(
        self, tenant: str, kind: str = "user", limit: int = 1_000
    ) -> list[SignInThrottleDoc]:
        """The tenant's counters with a failure that still counts, newest failure first."""
        since = int((self.clock() - self.policy.forget_seconds) * 1000)
        return (
            await SignInThrottleDoc.find(
                {"tenant": tenant, "kind": kind, "last_failure_at": {"$gt": since}}
            )
            .sort([("last_failure_at", SortDirection.DESCENDING)])
            .limit(limit)
            .to_list()
        )
