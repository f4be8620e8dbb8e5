"""Stored identity documents. Every one carries `tenant`; platform-wide ones use the
platform tenant (settings.platform_tenant), so the rule holds for them too.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pymongo
from beanie import Document
from pydantic import BaseModel, Field
from pymongo import IndexModel

from hub.domain.permissions import Grant, ReviewStage, Role
from hub.ids import now_ms
from hub.store.documents import TenantDocument


class GrantDoc(BaseModel):
    """A stored role grant (see `hub.domain.permissions.Grant`)."""

    role: Role
    account_id: str | None = None
    stage: ReviewStage | None = None

    def to_domain(self) -> Grant:
        return Grant(self.role, self.account_id, self.stage)

    @staticmethod
    def of(grant: Grant) -> GrantDoc:
        return GrantDoc(role=grant.role, account_id=grant.account_id, stage=grant.stage)


class AccountDoc(TenantDocument):
    """A 融媒号: a department's or town's account publishing under the center's review."""

    name: str
    kind: str = "town"  # town (乡镇), department (部门), other
    created_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "accounts"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("name", 1)], unique=True)]


class UserDoc(TenantDocument):
    """A staff member or correspondent of one tenant. Usernames are unique hub-wide,
    so sign-in needs no tenant; the user's grants all lie inside `tenant`."""

    username: str
    display_name: str
    email: str | None = None
    password_hash: str | None = None
    grants: list[GrantDoc] = Field(default_factory=list)
    disabled: bool = False
    # Moved by grant changes, disabling, password changes/resets and revokeUserSessions:
    # tokens issued in an older epoch are refused (see hub/identity/state.py).
    session_epoch: int = 0
    sessions_ended_at: int = 0  # when session_epoch last moved (ms); 0: never
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "users"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("username", 1)], unique=True),
            IndexModel([("tenant", 1), ("created_at", 1)]),
            IndexModel([("sessions_ended_at", pymongo.DESCENDING)]),
        ]

    def domain_grants(self) -> tuple[Grant, ...]:
        return tuple(g.to_domain() for g in self.grants)


class PreviousClientSecret(BaseModel):
    """A client secret replaced by a rotation that is still accepted until `expires_at`
    (the overlap a partner needs to deploy the new one). Only its argon2 hash is kept."""

    secret_hash: str
    retired_at: int  # when it stopped being the current secret (ms)
    expires_at: int  # refused from then on (ms)
    last_used_at: int | None = None  # last token obtained with it (at most once a minute)


class ClientDoc(TenantDocument):
    """An OAuth2 client of a partner platform or an integration (client_credentials).
    `_id` is the client_id; only the argon2 hashes of its secrets are kept."""

    name: str
    secret_hash: str
    scopes: list[str] = Field(default_factory=list)
    previous_secrets: list[PreviousClientSecret] = Field(default_factory=list)
    secret_rotated_at: int | None = None
    disabled: bool = False
    disabled_at: int | None = None
    disabled_by: str | None = None
    disabled_reason: str | None = None
    # Moved by disabling and by a secret rotation that ends sessions: client tokens carry
    # the epoch they were issued in (`sep`) and older ones are refused (hub/identity/state.py).
    session_epoch: int = 0
    sessions_ended_at: int = 0  # when session_epoch last moved (ms); 0: never
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "oauth_clients"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("created_at", 1)]),
            IndexModel([("sessions_ended_at", pymongo.DESCENDING)]),
        ]


class SigningKeyDoc(TenantDocument):
    """A token-signing key pair (platform tenant). The private key is encrypted at rest
    with a key derived from RONGHUB_KEY_ENCRYPTION_SECRET; `_id` is the JWK `kid`."""

    alg: str = "ES256"
    public_jwk: dict[str, Any]
    private_enc: str
    created_at: int = Field(default_factory=now_ms)
    activates_at: int = Field(default_factory=now_ms)
    retired_at: int | None = None  # no longer signs; still verifies until tokens expire

    class Settings:
        name = "signing_keys"


class RefreshTokenDoc(TenantDocument):
    """One refresh token of a session (family). `_id` is the SHA-256 of the token text.
    Using a token marks it used and issues the next one in the same family; presenting a
    used one again means it leaked, and the whole family is revoked."""

    family: str  # = the session id carried as `sid` in access tokens
    user_id: str
    epoch: int = 0  # the user's session epoch at sign-in: refused once the user's moves on
    scopes: list[str] = Field(default_factory=list)
    created_at: int = Field(default_factory=now_ms)
    expires_at: int
    used_at: int | None = None
    revoked: bool = False

    class Settings:
        name = "refresh_tokens"
        indexes: ClassVar[list[Any]] = [IndexModel([("family", 1)]), IndexModel([("user_id", 1)])]


class RevocationDoc(TenantDocument):
    """A revoked access-token id (`jti`) or session (`sid`), kept until `expires_at`
    (after which every token it could match has expired anyway)."""

    kind: str  # "jti" | "sid"
    value: str
    expires_at: int
    created_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "revocations"
        indexes: ClassVar[list[Any]] = [IndexModel([("expires_at", pymongo.DESCENDING)])]


class SignInThrottleDoc(TenantDocument):
    """Failed sign-ins counted for one name (`address` None) or one (name, address) pair
    (see hub/identity/throttle_rules.py). `_id` is `{kind}:{name}` or `{kind}:{name}|{address}`;
    `kind` is `user` (username) or `client` (client_id). Names nobody has are counted too
    (so answers do not tell which exist): those documents belong to the platform tenant,
    the others to the owner's tenant with `owner_id` set, which is what admins see.
    Documents past `expire_at` (ms) no longer matter and are swept by the throttle."""

    kind: str
    name: str
    address: str | None = None
    owner_id: str | None = None
    failures: int = 0
    last_failure_at: int = 0  # ms; 0: never
    last_success_at: int = 0  # ms; pairs only
    expire_at: int = 0  # ms

    class Settings:
        name = "sign_in_throttles"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("last_failure_at", pymongo.DESCENDING)]),
            IndexModel([("kind", 1), ("name", 1)]),
            IndexModel([("expire_at", 1)]),
        ]


class ShareGrantDoc(TenantDocument):
    """稿件共享/上报: center `tenant` offers story `story_id` to `to_tenant` (another center
    or the platform). The taker may read the offered story while the grant is open and
    take a copy into its own tenant; the copy's provenance stays on the grant."""

    story_id: str
    to_tenant: str
    note: str | None = None
    status: str = "offered"  # offered | taken
    offered_by: str | None = None
    offered_at: int = Field(default_factory=now_ms)
    taken_by: str | None = None
    taken_at: int | None = None
    taken_story_id: str | None = None
    source_version: int | None = None

    class Settings:
        name = "share_grants"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("to_tenant", 1), ("offered_at", pymongo.DESCENDING)]),
            IndexModel([("tenant", 1), ("story_id", 1)]),
        ]


class AuditEntryDoc(TenantDocument):
    """One audit entry. `_id` is `{tenant}:{seq:012d}`: inserting it claims the sequence
    number atomically (a duplicate key means another writer got there first).
    `hash` is SHA-256 over the canonical JSON of every other field, `prev_hash` the
    previous entry's hash: editing or removing an entry breaks the chain."""

    seq: int
    at: int
    actor: str | None
    action: str
    target_type: str
    target_id: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str
    key: str | None = None  # the change recorded (a story's outbox event id), hashed when set

    class Settings:
        name = "audit_log"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("seq", pymongo.DESCENDING)]),
            IndexModel([("tenant", 1), ("key", 1)]),
        ]


class OidcProviderDoc(TenantDocument):
    """An external OpenID Connect provider a center signs its staff in with.
    `_id` is `{tenant}:{name}`; the client secret is encrypted like signing keys."""

    name: str
    issuer: str
    client_id: str
    client_secret_enc: str
    scopes: str = "openid email profile"
    created_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "oidc_providers"


class OidcLoginDoc(TenantDocument):
    """One sign-in in flight: `_id` is the `state` sent to the provider (random, single use)."""

    provider_id: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    expires_at: int
    used: bool = False

    class Settings:
        name = "oidc_logins"


IDENTITY_MODELS: list[type[Document]] = [
    OidcProviderDoc,
    OidcLoginDoc,
    AccountDoc,
    UserDoc,
    ClientDoc,
    SigningKeyDoc,
    RefreshTokenDoc,
    RevocationDoc,
    SignInThrottleDoc,
    ShareGrantDoc,
    AuditEntryDoc,
]
