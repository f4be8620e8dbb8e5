"""What a hub process keeps in memory to check tokens without a store round trip:
the key ring and the revocation list, re-read every `key_refresh_seconds`.

A revocation made through this process applies at once; one made elsewhere (another
process, the CLI) applies within the refresh interval.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog

from hub.auth.keys import KeyRing, ensure_signing_key
from hub.identity import passwords
from hub.identity.documents import RevocationDoc
from hub.ids import now_ms
from hub.settings import Settings

log = structlog.get_logger(__name__)


class AuthState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ring = KeyRing(settings)
        self.revoked_jti: set[str] = set()
        self.revoked_sid: set[str] = set()

    async def refresh(self) -> None:
        await self.ring.refresh()
        docs = await RevocationDoc.find({"expires_at": {"$gt": now_ms()}}).to_list()
        self.revoked_jti = {d.value for d in docs if d.kind == "jti"}
        self.revoked_sid = {d.value for d in docs if d.kind == "sid"}

    def is_revoked(self, jti: str | None, sid: str | None) -> bool:
        return (jti is not None and jti in self.revoked_jti) or (sid is not None and sid in self.revoked_sid)

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
