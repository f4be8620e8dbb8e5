"""The OAuth2 grants (RFC 6749 §4.3 password, §6 refresh_token, §4.4 client_credentials).

Refresh tokens rotate: each use marks the presented token used and issues the next
one in the same family (the session, `sid`). Presenting a used token again means it
was copied, so the whole family is revoked, including its live access tokens.
Tokens carry the user's session epoch: once the user's moves on (grant change,
disable, password change or reset, revokeUserSessions) they are refused.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749.util import scope_to_list
from pymongo import ReturnDocument

from hub.audit.deferred import record
from hub.domain.permissions import ALL_SCOPES, PrincipalKind
from hub.errors import Codes, HubError
from hub.identity import client_rules
from hub.identity.directory import (
    UserRepository,
    check_password,
    client_for_sign_in,
    user_for_sign_in,
)
from hub.identity.documents import ClientDoc, PreviousClientSecret, RefreshTokenDoc, UserDoc
from hub.identity.errors import AuthCodes
from hub.identity.jwt import issue
from hub.identity.passwords import hash_secret_async, needs_rehash, verify_secret_async
from hub.identity.state import AuthState
from hub.identity.throttle import Owner
from hub.ids import new_id, now_ms
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted, across_tenants


@dataclass
class TokenResponse:
    access_token: str
    expires_in: int
    scope: list[str]
    refresh_token: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": " ".join(self.scope),
        }
        if self.refresh_token:
            out["refresh_token"] = self.refresh_token
        return out


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def requested_scopes(raw: str | None, allowed: frozenset[str] | set[str]) -> list[str]:
    """The scopes asked for (all allowed ones if none), refused if any is not allowed."""
    wanted = set(scope_to_list(raw) or [])
    if not wanted:
        return sorted(allowed)
    if not wanted <= allowed:
        raise HubError(AuthCodes.INVALID_SCOPE, scope=" ".join(sorted(wanted - allowed)))
    return sorted(wanted)


async def user_tokens(
    state: AuthState, user: UserDoc, scopes: list[str], family: str
) -> TokenResponse:
    settings = state.settings
    access, _ = issue(
        state.ring,
        settings,
        subject=user.id,
        tenant=user.tenant,
        kind="user",
        grants=[g.to_domain().label() for g in user.grants],
        scopes=scopes,
        session_id=family,
        epoch=user.session_epoch,
    )
    refresh = secrets.token_urlsafe(32)
    await RefreshTokenDoc(
        id=_digest(refresh),
        tenant=user.tenant,
        family=family,
        user_id=user.id,
        scopes=scopes,
        epoch=user.session_epoch,
        expires_at=now_ms() + settings.refresh_token_seconds * 1000,
    ).insert()
    return TokenResponse(access, settings.access_token_seconds, scopes, refresh)


def sign_in_name(username: str) -> str:
    """The name failed attempts are counted under (usernames are lower-case)."""
    return username.strip().lower()


async def password_grant(
    state: AuthState, username: str, password: str, scope: str | None, address: str
) -> TokenResponse:
    """Staff sign-in. Unknown usernames, wrong passwords and disabled accounts get the
    same answer after the same work (the hash is checked against a dummy for unknown
    names); failures earn growing delays (SIGN_IN_THROTTLED, hub/identity/throttle.py)
    counted alike for names that exist and names that do not. The user learns of
    failures through the audit log (`signin.failed`) and admins through signInAttempts."""
    name = sign_in_name(username)
    await state.throttle.check("user", name, address)
    user = await user_for_sign_in(username)
    ok = await verify_secret_async(
        user.password_hash if user else None, password
    )  # same work either way
    if user is None or not ok or user.disabled:
        wait = await state.throttle.failed(
            "user", name, address, Owner(user.tenant, user.id) if user else None
        )
        if (
            user is not None
        ):  # not awaited: the refusal must not take longer than for an unknown name
            state.after_response(
                record(
                    user.tenant,
                    None,
                    "signin.failed",
                    "user",
                    user.id,
                    {"address": address, "wait_seconds": wait},
                )
            )
        raise HubError(AuthCodes.INVALID_GRANT)
    scopes = requested_scopes(scope, set(ALL_SCOPES))
    await state.throttle.succeeded("user", name, address, Owner(user.tenant, user.id))
    if user.password_hash and needs_rehash(user.password_hash):
        state.after_response(_upgrade_hash(user, password))
    family = new_id()
    await record(
        user.tenant,
        user.id,
        "signin",
        "user",
        user.id,
        {"session": family, "scope": " ".join(scopes), "address": address},
    )
    return await user_tokens(state, user, scopes, family)


async def _upgrade_hash(user: UserDoc, password: str) -> None:
    """Re-hash a password made with older argon2 parameters, now that we hold it in clear
    (the only moment we do). Written only if the stored hash is still the one we checked,
    so a password change in between wins; not audited: the password itself is unchanged."""
    fresh = await hash_secret_async(password)
    await Tenanted(UserDoc, user.tenant).update_one(
        {"_id": user.id, "password_hash": user.password_hash},
        {"$set": {"password_hash": fresh}},
    )


async def refresh_grant(state: AuthState, token: str, scope: str | None) -> TokenResponse:
    coll = across_tenants(
        RefreshTokenDoc, reason="a refresh token is found by its digest, before its tenant is known"
    )
    now = now_ms()
    raw = await coll.find_one_and_update(
        {"_id": _digest(token), "used_at": None, "revoked": False, "expires_at": {"$gt": now}},
        {"$set": {"used_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    if raw is None:
        old = await coll.find_one({"_id": _digest(token)})
        if old is not None and old.get("used_at") is not None and not old.get("revoked"):
            await revoke_family(state, str(old["tenant"]), str(old["family"]), reason="reuse")
        elif old is not None and old.get("revoked") and await _epoch_moved(old):
            raise HubError(AuthCodes.SESSION_ENDED)  # say why: roles, password or status changed
        raise HubError(AuthCodes.INVALID_GRANT)
    used = RefreshTokenDoc.model_validate(raw)
    user = await UserDoc.find_one({"_id": used.user_id, "tenant": used.tenant})
    if user is None or user.disabled or used.family in state.revoked_sid:
        raise HubError(AuthCodes.INVALID_GRANT)
    if used.epoch != user.session_epoch:  # also a token inserted while the epoch moved
        raise HubError(AuthCodes.SESSION_ENDED)
    scopes = requested_scopes(scope, set(used.scopes))
    return await user_tokens(state, user, scopes, used.family)  # fresh grants from the store


async def _epoch_moved(raw: dict[str, Any]) -> bool:
    user = await UserDoc.find_one({"_id": raw.get("user_id"), "tenant": raw.get("tenant")})
    return user is not None and user.session_epoch != int(raw.get("epoch", 0))


async def revoke_family(state: AuthState, tenant: str, family: str, reason: str) -> None:
    """End a session: its refresh tokens and its access tokens stop working."""
    await Tenanted(RefreshTokenDoc, tenant).update_many(
        {"family": family}, {"$set": {"revoked": True}}
    )
    await state.revoke(tenant, "sid", family)
    await record(tenant, None, "session.revoke", "session", family, {"reason": reason})


async def revoke_refresh_token(state: AuthState, token: str) -> None:
    """RFC 7009: revoking a refresh token ends its session; unknown tokens are ignored."""
    old = await across_tenants(
        RefreshTokenDoc, reason="a refresh token is found by its digest, before its tenant is known"
    ).find_one({"_id": _digest(token)})
    if old is not None:
        await revoke_family(state, str(old["tenant"]), str(old["family"]), reason="revoked")


async def client_credentials_grant(
    state: AuthState, client_id: str, secret: str, scope: str | None, address: str
) -> TokenResponse:
    """A partner's or integration's token. The current secret is checked first, then the
    replaced ones still in their rotation overlap. A disabled client is told so only when
    its secret is right (CLIENT_DISABLED); a wrong secret is INVALID_CLIENT either way.
    Wrong secrets are throttled like wrong passwords (per client_id and address, and per
    client_id), so nobody keeps a partner out by sending its client_id."""
    await state.throttle.check("client", client_id, address)
    client = await client_for_sign_in(client_id)
    ok = await verify_secret_async(
        client.secret_hash if client else None, secret
    )  # same work either way
    now = now_ms()
    previous: PreviousClientSecret | None = None
    if client is not None and not ok:
        for old in client_rules.live(client.previous_secrets, now):
            if await verify_secret_async(old.secret_hash, secret):
                ok, previous = True, old
                break
    if client is None or not ok:
        await state.throttle.failed(
            "client", client_id, address, Owner(client.tenant, client.id) if client else None
        )
        raise HubError(AuthCodes.INVALID_CLIENT)
    await state.throttle.succeeded("client", client_id, address, Owner(client.tenant, client.id))
    if client.disabled:
        raise HubError(AuthCodes.CLIENT_DISABLED)
    scopes = requested_scopes(scope, set(client.scopes))
    access, _ = issue(
        state.ring,
        state.settings,
        subject=client.id,
        tenant=client.tenant,
        kind="client",
        grants=[],
        scopes=scopes,
        epoch=client.session_epoch,
    )
    details: dict[str, Any] = {"scope": " ".join(scopes)}
    if previous is not None:
        details["secret"] = "previous"
        await _mark_previous_use(client, previous, now)
    await record(client.tenant, client.id, "signin.client", "client", client.id, details)
    return TokenResponse(access, state.settings.access_token_seconds, scopes)


async def _mark_previous_use(client: ClientDoc, used: PreviousClientSecret, now: int) -> None:
    """Note when a replaced secret was last used (so an admin sees whether the partner has
    switched), at most once a minute; skipped if a rotation changed the secrets meanwhile."""
    if not client_rules.should_mark_use(used.last_used_at, now):
        return
    marked = [
        p.model_copy(update={"last_used_at": now}) if p.secret_hash == used.secret_hash else p
        for p in client.previous_secrets
    ]
    await Tenanted(ClientDoc, client.tenant).update_one(
        {"_id": client.id, "secret_hash": client.secret_hash},
        {"$set": {"previous_secrets": [p.model_dump() for p in marked]}},
    )


async def change_password(state: AuthState, scope: Scope, current: str, new: str) -> UserDoc:
    """A signed-in user changes their own password. The current one is checked like a
    sign-in: wrong ones are counted by the sign-in throttle (per session, standing in for
    the address, and per username), so a stolen access token cannot be used to guess it.
    Every session of the user ends, the current one included: they sign in again with
    the new password."""
    if scope.user_id is None or scope.kind != PrincipalKind.USER:
        raise HubError(
            Codes.FORBIDDEN,
            reason_zh="只有用户可以修改自己的密码",
            reason_en="only users have passwords",
            action="self.password",
        )
    user = await UserDoc.find_one({"_id": scope.user_id, "tenant": scope.tenant})
    if user is None:
        raise HubError(Codes.NOT_FOUND, what_zh="用户", what_en="user", id=scope.user_id)
    name, where = sign_in_name(user.username), f"session:{scope.session_id or scope.token_id}"
    await state.throttle.check("user", name, where)
    check_password(new)
    if not await verify_secret_async(user.password_hash, current):
        wait = await state.throttle.failed("user", name, where, Owner(user.tenant, user.id))
        await record(
            user.tenant,
            user.id,
            "signin.failed",
            "user",
            user.id,
            {"address": where, "wait_seconds": wait, "via": "change_password"},
        )
        raise HubError(AuthCodes.WRONG_PASSWORD)
    return await UserRepository(scope).set_password(user.id, new, action="user.password_change")
