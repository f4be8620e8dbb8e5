"""What a hub process keeps in memory to check tokens without a store round trip:
the key ring, the revocation list and the users whose sessions ended recently,
re-read every `key_refresh_seconds`; and the token endpoint's rate limiter.

A revocation made through this process applies at once; one made elsewhere (another
process, the CLI) applies within the refresh interval.

Session epochs: every user document has a `session_epoch` counter, moved by a grant
change, disabling, a password change or reset and `revokeUserSessions`; user tokens
carry the epoch they were issued in (`sep`). Only users whose epoch moved within the
last access-token lifetime (plus a margin) can have a live stale token, so only those
are kept here (`ended`): checking a token is one dict look-up, no store read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog

from hub.auth.keys import KeyRing, ensure_signing_key
from hub.auth.ratelimit import TokenLimiter
from hub.identity import passwords
from hub.identity.documents import RevocationDoc, UserDoc
from hub.ids import now_ms
from hub.settings import Settings

log = structlog.get_logger(__name__)


class AuthState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ring = KeyRing(settings)
        self.revoked_jti: set[str] = set()
        self.revoked_sid: set[str] = set()
        # (tenant, user id) -> (current session epoch, when it moved, ms)
        self.ended: dict[tuple[str, str], tuple[int, int]] = {}
        self.limiter = TokenLimiter(settings)

    def _horizon(self) -> int:
        """Older than this, every access token a change could concern has expired."""
        return now_ms() - (self.settings.access_token_seconds + 60) * 1000

    async def refresh(self) -> None:
        await self.ring.refresh()
        docs = await RevocationDoc.find({"expires_at": {"$gt": now_ms()}}).to_list()
        self.revoked_jti = {d.value for d in docs if d.kind == "jti"}
        self.revoked_sid = {d.value for d in docs if d.kind == "sid"}
        horizon = self._horizon()
        cursor = UserDoc.get_pymongo_collection().find(
            {"sessions_ended_at": {"$gt": horizon}}, {"tenant": 1, "session_epoch": 1, "sessions_ended_at": 1}
        )
        found = {(str(d["tenant"]), str(d["_id"])): (int(d["session_epoch"]), int(d["sessions_ended_at"]))
                 async for d in cursor}  # fmt: skip
        # epochs only grow: keep what this process noted meanwhile (a read started before it)
        for key, (epoch, at) in self.ended.items():
            if at > horizon and epoch > found.get(key, (-1, 0))[0]:
                found[key] = (epoch, at)
        self.ended = found

    def is_revoked(self, jti: str | None, sid: str | None) -> bool:
        return (jti is not None and jti in self.revoked_jti) or (sid is not None and sid in self.revoked_sid)

    def session_current(self, tenant: str, user_id: str, epoch: int) -> bool:
        """False if the user's sessions ended after a token of `epoch` was issued."""
        known = self.ended.get((tenant, user_id))
        return known is None or epoch >= known[0]

    def sessions_ended(self, tenant: str, user_id: str, epoch: int, at: int) -> None:
        """Apply a session-epoch move made through this process at once."""
        known = self.ended.get((tenant, user_id))
        if known is None or epoch > known[0]:
            self.ended[(tenant, user_id)] = (epoch, at)

    async def revoke(self, tenant: str, kind: str, value: str) -> None:
        """Revoke an access token (`jti`) or a whole session (`sid`) everywhere."""
        expires = now_ms() + (self.settings.access_token_seconds + 60) * 1000
        await RevocationDoc(tenant=tenant, kind=kind, value=value, expires_at=expires).insert()
        (self.revoked_jti if kind == "jti" else self.revoked_sid).add(value)

    async def poll(self) -> None:
        while True:
            await asyncio.sleep(self.settings.key_refresh_seconds)
            try:
                await self.refresh()
            except Exception:  # keep the last known keys through a store hiccup
                log.warning("auth.refresh_failed", exc_info=True)


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[AuthState]:
    """Ensure a signing key exists, load keys and revocations, keep them fresh."""
    passwords.configure(settings.password_memory_kib, settings.password_time_cost)
    state = AuthState(settings)
    await ensure_signing_key(settings)
    await state.refresh()
    task = asyncio.create_task(state.poll())
    try:
        yield state
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
