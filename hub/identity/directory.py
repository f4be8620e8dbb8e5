"""Tenants, 融媒号 accounts, users and OAuth clients: creating and changing them.

Everything is tenant-scoped through `Scope`, except the two sign-in look-ups
(`user_for_sign_in`, `client_for_sign_in`): a caller proves who it is before any
tenant is known. Changes to people and permissions go to the audit log.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Any

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.audit.deferred import record
from hub.domain.permissions import CLIENT_SCOPES, Grant, Role
from hub.errors import Codes, HubError, invalid
from hub.identity import client_rules
from hub.identity.documents import (
    AccountDoc,
    ClientDoc,
    GrantDoc,
    RefreshTokenDoc,
    SignInThrottleDoc,
    UserDoc,
)
from hub.identity.errors import AuthCodes
from hub.identity.passwords import hash_secret_async
from hub.ids import new_id, now_ms
from hub.store.catalog import TenantRepository
from hub.store.documents import TenantDoc
from hub.store.tenanted import Tenanted, across_tenants

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


async def create_tenant(
    tenant_id: str, name: str, actor: str | None, kind: str = "center"
) -> TenantDoc:
    """A new center (or the platform tenant itself). Ids are lower-case slugs."""
    if not _TENANT_ID.match(tenant_id):
        raise invalid(
            "id",
            "中心编号只能用小写字母、数字和连字符",
            "use lower-case letters, digits and hyphens",
        )
    doc = TenantDoc(id=tenant_id, tenant=tenant_id, name=name, kind=kind)
    try:
        await doc.insert()
    except DuplicateKeyError as exc:
        raise invalid("id", f"中心 {tenant_id} 已存在", f"tenant {tenant_id} exists") from exc
    await record(
        tenant_id, actor, "tenant.create", "tenant", tenant_id, {"name": name, "kind": kind}
    )
    return doc


async def all_tenants() -> list[TenantDoc]:
    """Every tenant (platform administration only)."""
    return await TenantDoc.find({}).sort([("_id", SortDirection.ASCENDING)]).to_list()


class AccountRepository(TenantRepository[AccountDoc]):
    model = AccountDoc

    async def all(self) -> list[AccountDoc]:
        return (
            await AccountDoc.find({"tenant": self.scope.tenant})
            .sort([("created_at", SortDirection.ASCENDING)])
            .to_list()
        )

    async def create(self, name: str, kind: str = "town") -> AccountDoc:
        doc = AccountDoc(tenant=self.scope.tenant, name=name, kind=kind)
        try:
            await self.add(doc)
        except DuplicateKeyError as exc:
            raise invalid("name", f"融媒号「{name}」已存在", f"account {name} exists") from exc
        await record(
            self.scope.tenant, self.scope.actor, "account.create", "account", doc.id, {"name": name}
        )
        return doc


class UserRepository(TenantRepository[UserDoc]):
    model = UserDoc

    async def all(self) -> list[UserDoc]:
        return (
            await UserDoc.find({"tenant": self.scope.tenant})
            .sort([("created_at", SortDirection.ASCENDING)])
            .to_list()
        )

    async def by_username(self, username: str) -> UserDoc | None:
        return await UserDoc.find_one({"tenant": self.scope.tenant, "username": username})

    async def _check_grants(self, grants: Iterable[Grant]) -> list[GrantDoc]:
        grants = list(grants)
        accounts = {g.account_id for g in grants if g.account_id}
        if accounts:
            found = await AccountRepository(self.scope).get_many(sorted(accounts))
            missing = accounts - set(found)
            if missing:
                raise HubError(
                    Codes.NOT_FOUND,
                    what_zh="融媒号",
                    what_en="account",
                    id=", ".join(sorted(missing)),
                )
        return [GrantDoc.of(g) for g in grants]

    async def create(
        self,
        username: str,
        display_name: str,
        password: str | None,
        grants: Iterable[Grant],
        email: str | None = None,
    ) -> UserDoc:
        if not _USERNAME.match(username):
            raise invalid(
                "username",
                "用户名只能用小写字母、数字和 . _ -(2-63 位)",
                "use 2-63 lower-case letters, digits, . _ -",
            )
        if password is not None:
            check_password(password)
        docs = await self._check_grants(grants)
        doc = UserDoc(
            id=new_id(),
            tenant=self.scope.tenant,
            username=username,
            display_name=display_name,
            email=email,
            password_hash=await hash_secret_async(password) if password else None,
            grants=docs,
        )
        try:
            await doc.insert()
        except DuplicateKeyError as exc:
            raise invalid(
                "username", f"用户名 {username} 已被使用", f"username {username} is taken"
            ) from exc
        await record(
            self.scope.tenant,
            self.scope.actor,
            "user.create",
            "user",
            doc.id,
            {"username": username, "grants": [g.to_domain().label() for g in docs]},
        )
        return doc

    async def _require(self, user_id: str) -> UserDoc:
        user = await self.get(user_id)
        if user is None:
            raise HubError(Codes.NOT_FOUND, what_zh="用户", what_en="user", id=user_id)
        return user

    async def _end_sessions(
        self, user_id: str, changes: dict[str, Any], action: str, details: dict[str, Any]
    ) -> UserDoc:
        """Apply `changes` and move the user's session epoch in one update, revoke the
        user's refresh tokens, audit `action`. Tokens issued before are refused from
        now on (in other processes within `key_refresh_seconds`; the caller applies it
        to its own process with `AuthState.sessions_ended`)."""
        now = now_ms()
        raw = await Tenanted(UserDoc, self.scope.tenant).find_one_and_update(
            {"_id": user_id},
            {
                "$set": {**changes, "sessions_ended_at": now, "updated_at": now},
                "$inc": {"session_epoch": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            raise HubError(Codes.NOT_FOUND, what_zh="用户", what_en="user", id=user_id)
        revoked = await Tenanted(RefreshTokenDoc, self.scope.tenant).update_many(
            {"user_id": user_id, "revoked": False},
            {"$set": {"revoked": True}},
        )
        user = UserDoc.model_validate(raw)
        await record(
            self.scope.tenant,
            self.scope.actor,
            action,
            "user",
            user_id,
            {
                **details,
                "session_epoch": user.session_epoch,
                "refresh_tokens_revoked": revoked.modified_count,
            },
        )
        return user

    async def set_grants(self, user_id: str, grants: Iterable[Grant]) -> UserDoc:
        """Replace a user's grants (a permission change: audited). The user's sessions
        end: tokens carrying the old grants are refused."""
        user = await self._require(user_id)
        docs = await self._check_grants(grants)
        before = [g.to_domain().label() for g in user.grants]
        after = [g.to_domain().label() for g in docs]
        return await self._end_sessions(
            user_id,
            {"grants": [d.model_dump(mode="json") for d in docs]},
            "user.grants",
            {"before": before, "after": after},
        )

    async def set_disabled(self, user_id: str, disabled: bool) -> UserDoc:
        """Disable a user (no sign-in; every session ends at once) or enable them again."""
        if disabled:
            if user_id == self.scope.user_id:
                raise invalid("userId", "不能停用自己的账号", "you cannot disable your own account")
            return await self._end_sessions(user_id, {"disabled": True}, "user.disable", {})
        await self._require(user_id)
        await Tenanted(UserDoc, self.scope.tenant).update_one(
            {"_id": user_id},
            {"$set": {"disabled": False, "updated_at": now_ms()}},
        )
        await record(self.scope.tenant, self.scope.actor, "user.enable", "user", user_id, {})
        return await self._require(user_id)

    async def set_password(
        self, user_id: str, password: str, action: str = "user.password_reset"
    ) -> UserDoc:
        """A new password (reset by an administrator, or changed by the user): every session
        of the user ends and the failed sign-ins counted for the username are forgotten
        (guesses at the old password do not delay the new one)."""
        check_password(password)
        hashed = await hash_secret_async(password)
        user = await self._end_sessions(user_id, {"password_hash": hashed}, action, {})
        await across_tenants(
            SignInThrottleDoc, reason="sign-in counters are kept by name, before a tenant is known"
        ).delete_many({"kind": "user", "name": user.username})
        return user

    async def end_sessions(self, user_id: str) -> UserDoc:
        """Sign the user out everywhere: access and refresh tokens stop working."""
        return await self._end_sessions(user_id, {}, "user.sessions_revoke", {})


class ClientRepository(TenantRepository[ClientDoc]):
    model = ClientDoc

    async def all(self) -> list[ClientDoc]:
        return (
            await ClientDoc.find({"tenant": self.scope.tenant})
            .sort([("created_at", SortDirection.ASCENDING)])
            .to_list()
        )

    async def create(self, name: str, scopes: Iterable[str]) -> tuple[ClientDoc, str]:
        """A partner/integration client and its secret (shown once, stored hashed)."""
        wanted = sorted(set(scopes))
        extra = set(wanted) - CLIENT_SCOPES
        if extra:
            raise invalid(
                "scopes",
                f"客户端不能申请 {', '.join(sorted(extra))}",
                f"clients cannot hold {', '.join(sorted(extra))}",
            )
        secret = secrets.token_urlsafe(32)
        hashed = await hash_secret_async(secret)
        doc = ClientDoc(
            id="c-" + new_id().lower(),
            tenant=self.scope.tenant,
            name=name,
            secret_hash=hashed,
            scopes=wanted,
        )
        await self.add(doc)
        await record(
            self.scope.tenant,
            self.scope.actor,
            "client.create",
            "client",
            doc.id,
            {"name": name, "scopes": wanted},
        )
        return doc, secret

    async def require(self, client_id: str) -> ClientDoc:
        """The client of this tenant; NOT_FOUND for unknown ids and other tenants' clients alike."""
        client = await self.get(client_id)
        if client is None:
            raise HubError(Codes.NOT_FOUND, what_zh="合作方客户端", what_en="client", id=client_id)
        return client

    async def rotate_secret(
        self, client_id: str, keep_old_seconds: int = 0, end_sessions: bool = False
    ) -> tuple[ClientDoc, str]:
        """A new secret (returned once, stored hashed); the replaced one is accepted for
        `keep_old_seconds` more (see client_rules). `end_sessions` (only with 0) moves the
        client's session epoch: the tokens it holds are refused too. Not audited here (the
        caller adds what else it did)."""
        client_rules.check_rotation(keep_old_seconds, end_sessions)
        secret = secrets.token_urlsafe(32)
        hashed = await hash_secret_async(secret)
        coll = Tenanted(ClientDoc, self.scope.tenant)
        for _ in range(5):  # compare-and-set on the current secret: two rotations never lose one
            client = await self.require(client_id)
            now = now_ms()
            kept = client_rules.after_rotation(
                client.secret_hash, client.previous_secrets, now, keep_old_seconds
            )
            changes: dict[str, Any] = {
                "secret_hash": hashed,
                "previous_secrets": [k.model_dump() for k in kept],
                "secret_rotated_at": now,
                "updated_at": now,
            }
            update: dict[str, Any] = {"$set": changes}
            if end_sessions:
                changes["sessions_ended_at"] = now
                update["$inc"] = {"session_epoch": 1}
            raw = await coll.find_one_and_update(
                {"_id": client_id, "tenant": self.scope.tenant, "secret_hash": client.secret_hash},
                update,
                return_document=ReturnDocument.AFTER,
            )
            if raw is not None:
                return ClientDoc.model_validate(raw), secret
        raise HubError(AuthCodes.CLIENT_CHANGED, id=client_id)

    async def set_disabled(self, client_id: str, reason: str | None) -> tuple[ClientDoc, bool]:
        """Disable the client (`reason` given: its session epoch moves, so its tokens are
        refused) or enable it again (None: old tokens stay refused). Returns the client and
        whether anything changed (disabling a disabled client keeps the first reason)."""
        now = now_ms()
        coll = Tenanted(ClientDoc, self.scope.tenant)
        if reason is not None:
            text = client_rules.check_reason(reason)
            raw = await coll.find_one_and_update(
                {"_id": client_id, "disabled": False},
                {
                    "$set": {
                        "disabled": True,
                        "disabled_at": now,
                        "disabled_by": self.scope.actor,
                        "disabled_reason": text,
                        "sessions_ended_at": now,
                        "updated_at": now,
                    },
                    "$inc": {"session_epoch": 1},
                },
                return_document=ReturnDocument.AFTER,
            )
        else:
            raw = await coll.find_one_and_update(
                {"_id": client_id, "tenant": self.scope.tenant, "disabled": True},
                {
                    "$set": {
                        "disabled": False,
                        "disabled_at": None,
                        "disabled_by": None,
                        "disabled_reason": None,
                        "updated_at": now,
                    }
                },
                return_document=ReturnDocument.AFTER,
            )
        if raw is None:
            return await self.require(client_id), False
        return ClientDoc.model_validate(raw), True


async def user_for_sign_in(username: str) -> UserDoc | None:
    """The one cross-tenant user read: usernames are unique hub-wide."""
    return await UserDoc.find_one({"username": username})


async def client_for_sign_in(client_id: str) -> ClientDoc | None:
    """The one cross-tenant client read: client ids are unique hub-wide."""
    return await ClientDoc.find_one({"_id": client_id})


def check_password(password: str) -> None:
    if len(password) < 8:
        raise invalid("password", "密码至少 8 位", "at least 8 characters")


def parse_grants(labels: Iterable[str]) -> list[Grant]:
    """`["editor", "reviewer:final", "account_operator@ACC"]` → grants; INVALID_INPUT if wrong."""
    out: list[Grant] = []
    for label in labels:
        try:
            out.append(Grant.parse(label))
        except ValueError as exc:
            roles = ", ".join(r.value for r in Role)
            raise invalid(
                "grants",
                f"角色「{label}」无效(可用:{roles};审核须带阶段 first/second/final)",
                f"invalid grant {label!r} (roles: {roles}; reviewer needs a stage)",
            ) from exc
    return out
