"""What a hub process keeps in memory to check tokens without a store round trip:
the key ring, the revocation list and the users whose sessions ended recently,
re-read every `key_refresh_seconds`; the token endpoint's rate limiter and the
failed-sign-in throttle.

A revocation made through this process applies at once; one made through a sibling API
worker of the same `ronghub serve` within `SIBLING_LOOK_SECONDS` (it announces it,
hub/siblings.py); one made elsewhere (another host, the CLI) within the refresh interval.

Session epochs: every user document has a `session_epoch` counter, moved by a grant
change, disabling, a password change or reset and `revokeUserSessions`; user tokens
carry the epoch they were issued in (`sep`). Only users whose epoch moved within the
last access-token lifetime (plus a margin) can have a live stale token, so only those
are kept here (`ended`): checking a token is one dict look-up, no store read.

Clients (client_credentials) have the same mechanism: a client's epoch moves when it is
disabled and when its secret is rotated with `endSessions`; client tokens carry `sep`
too, and `clients` holds the clients whose epoch moved recently, with whether they are
disabled now (which only decides the refusal's code: CLIENT_DISABLED or
CLIENT_SESSION_ENDED).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import structlog

from hub import siblings
from hub.errors import ErrorKind
from hub.identity import passwords
from hub.identity.documents import ClientDoc, RevocationDoc, UserDoc
from hub.identity.errors import AuthCodes
from hub.identity.keys import KeyRing, ensure_signing_key
from hub.identity.ratelimit import TokenLimiter
from hub.identity.throttle import SignInThrottle
from hub.ids import now_ms
from hub.settings import Settings
from hub.shutdown import cancel_and_wait
from hub.store.tenanted import across_tenants

log = structlog.get_logger(__name__)

SIBLING_LOOK_SECONDS = 0.05  # API workers: how often to look for a sibling's announcement


class AuthState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ring = KeyRing(settings)
        self.revoked_jti: set[str] = set()
        self.revoked_sid: set[str] = set()
        # (tenant, user id) -> (current session epoch, when it moved, ms)
        self.ended: dict[tuple[str, str], tuple[int, int]] = {}
        # (tenant, client id) -> (current session epoch, when it moved (ms), disabled now)
        self.clients: dict[tuple[str, str], tuple[int, int, bool]] = {}
        self.limiter = TokenLimiter(settings)
        self.throttle = SignInThrottle(settings)
        self._after: set[asyncio.Task[object]] = set()

    def after_response(self, work: Coroutine[Any, Any, object]) -> None:
        """Run `work` (an audit entry of a failed sign-in) without the caller waiting for
        it: a refusal for a real user then takes as long as one for an unknown name."""
        task = asyncio.create_task(work)
        self._after.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[object]) -> None:
        self._after.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("auth.after_response_failed", exc_info=task.exception())

    async def settled(self) -> None:
        """Wait until the work started by `after_response` has finished."""
        while self._after:
            await asyncio.gather(*self._after, return_exceptions=True)

    def _horizon(self) -> int:
        """Older than this, every access token a change could concern has expired."""
        return now_ms() - (self.settings.access_token_seconds + 60) * 1000

    async def refresh(self) -> None:
        await self.ring.refresh()
        docs = await RevocationDoc.find({"expires_at": {"$gt": now_ms()}}).to_list()
        self.revoked_jti = {d.value for d in docs if d.kind == "jti"}
        self.revoked_sid = {d.value for d in docs if d.kind == "sid"}
        horizon = self._horizon()
        cursor = across_tenants(
            UserDoc, reason="every process keeps the ended sessions of every tenant"
        ).find(
            {"sessions_ended_at": {"$gt": horizon}},
            {"tenant": 1, "session_epoch": 1, "sessions_ended_at": 1},
        )
        found = {
            (str(d["tenant"]), str(d["_id"])): (
                int(d["session_epoch"]),
                int(d["sessions_ended_at"]),
            )
            async for d in cursor
        }
        # epochs only grow: keep what this process noted meanwhile (a read started before it)
        for key, (epoch, at) in self.ended.items():
            if at > horizon and epoch > found.get(key, (-1, 0))[0]:
                found[key] = (epoch, at)
        self.ended = found
        await self._refresh_clients(horizon)

    async def _refresh_clients(self, horizon: int) -> None:
        cursor = across_tenants(
            ClientDoc, reason="every process keeps the ended sessions of every tenant"
        ).find(
            {"sessions_ended_at": {"$gt": horizon}},
            {"tenant": 1, "session_epoch": 1, "sessions_ended_at": 1, "disabled": 1},
        )
        found = {
            (str(d["tenant"]), str(d["_id"])): (
                int(d.get("session_epoch", 0)),
                int(d["sessions_ended_at"]),
                bool(d.get("disabled")),
            )
            async for d in cursor
        }
        for key, (epoch, at, disabled) in self.clients.items():
            if at > horizon and epoch > found.get(key, (-1, 0, False))[0]:
                found[key] = (epoch, at, disabled)
        self.clients = found

    def is_revoked(self, jti: str | None, sid: str | None) -> bool:
        return (jti is not None and jti in self.revoked_jti) or (
            sid is not None and sid in self.revoked_sid
        )

    def session_current(self, tenant: str, user_id: str, epoch: int) -> bool:
        """False if the user's sessions ended after a token of `epoch` was issued."""
        known = self.ended.get((tenant, user_id))
        return known is None or epoch >= known[0]

    def sessions_ended(self, tenant: str, user_id: str, epoch: int, at: int) -> None:
        """Apply a session-epoch move made through this process at once."""
        known = self.ended.get((tenant, user_id))
        if known is None or epoch > known[0]:
            self.ended[(tenant, user_id)] = (epoch, at)
        siblings.announce(siblings.AUTH)

    def client_refusal(self, tenant: str, client_id: str, epoch: int) -> ErrorKind | None:
        """Why a client token of `epoch` is refused (None: it is not): the client was
        disabled, or its sessions ended (secret rotated with endSessions) after it was issued."""
        known = self.clients.get((tenant, client_id))
        if known is None or epoch >= known[0]:
            return None
        return AuthCodes.CLIENT_DISABLED if known[2] else AuthCodes.CLIENT_SESSION_ENDED

    def client_changed(
        self, tenant: str, client_id: str, epoch: int, at: int, disabled: bool
    ) -> None:
        """Apply a client's epoch move or status change made through this process at once."""
        known = self.clients.get((tenant, client_id))
        if known is None or epoch >= known[0]:
            self.clients[(tenant, client_id)] = (epoch, max(at, known[1] if known else 0), disabled)
        siblings.announce(siblings.AUTH)

    async def revoke(self, tenant: str, kind: str, value: str) -> None:
        """Revoke an access token (`jti`) or a whole session (`sid`) everywhere."""
        expires = now_ms() + (self.settings.access_token_seconds + 60) * 1000
        await RevocationDoc(tenant=tenant, kind=kind, value=value, expires_at=expires).insert()
        (self.revoked_jti if kind == "jti" else self.revoked_sid).add(value)
        siblings.announce(siblings.AUTH)

    async def poll(self) -> None:
        """Re-read every `key_refresh_seconds`; as an API worker beside others also as soon
        as one of them announces a change (looked for every `SIBLING_LOOK_SECONDS`)."""
        every = self.settings.key_refresh_seconds
        step = min(SIBLING_LOOK_SECONDS, every) if siblings.current() is not None else every
        seen = siblings.seen(siblings.AUTH)
        waited = 0.0
        while True:
            await asyncio.sleep(step)
            waited += step
            announced = siblings.seen(siblings.AUTH)
            if waited < every and announced == seen:
                continue
            waited, seen = 0.0, announced
            try:
                await self.refresh()
            except Exception:  # keep the last known keys through a store hiccup
                log.warning("auth.refresh_failed", exc_info=True)


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[AuthState]:
    """Ensure a signing key exists, load keys and revocations, keep them fresh."""
    passwords.configure(settings.password_memory_kib, settings.password_time_cost)
    await passwords.warm()
    state = AuthState(settings)
    await ensure_signing_key(settings)
    await state.refresh()
    task = asyncio.create_task(state.poll())
    try:
        yield state
    finally:
        await cancel_and_wait(task)
        await state.settled()
