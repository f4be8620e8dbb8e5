"""GraphQL types and operations of identity: Tenant, Account, User, audit, sharing.

Who may call each field is decided in `hub.identity.policy` (one table); resolvers here
only add checks that depend on arguments (e.g. acting in another tenant).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from hub.audit import log as audit
from hub.domain.permissions import STAGE_LABELS, Action, Grant, Role
from hub.domain.plaintext import readable
from hub.errors import Codes, HubError, invalid
from hub.graphql.context import Context
from hub.graphql.types import Story, ms_to_dt
from hub.identity import directory
from hub.identity.documents import (
    AccountDoc,
    AuditEntryDoc,
    ShareGrantDoc,
    SignInThrottleDoc,
    UserDoc,
)
from hub.identity.policy import authorize
from hub.identity.sharing import ShareRepository
from hub.store.catalog import TenantDirectory
from hub.store.documents import TenantDoc
from hub.store.scope import Scope


@strawberry.type(description="融媒号: a department's or town's account inside a center")
class Account:
    id: strawberry.ID
    name: str
    kind: str

    @staticmethod
    def from_doc(doc: AccountDoc) -> Account:
        return Account(id=strawberry.ID(doc.id), name=doc.name, kind=doc.kind)


@strawberry.type(description="中心 (tenant) or the provincial platform itself")
class Tenant:
    id: strawberry.ID
    name: str
    kind: str = strawberry.field(description="center (融媒体中心) or platform")

    @staticmethod
    def from_doc(doc: TenantDoc) -> Tenant:
        return Tenant(id=strawberry.ID(doc.id), name=doc.name, kind=doc.kind)


@strawberry.type(description="A role granted for the whole center or for one 融媒号 account")
class RoleGrant:
    role: str
    account_id: strawberry.ID | None
    stage: str | None = strawberry.field(
        description="review stage of a reviewer: first/second/final"
    )
    stage_label: str | None = strawberry.field(description="初审/复审/终审")
    label: str = strawberry.field(
        description="role[:stage][@account], as accepted by setUserGrants"
    )

    @staticmethod
    def from_domain(g: Grant) -> RoleGrant:
        return RoleGrant(
            role=g.role.value,
            account_id=strawberry.ID(g.account_id) if g.account_id else None,
            stage=g.stage.value if g.stage else None,
            stage_label=STAGE_LABELS[g.stage] if g.stage else None,
            label=g.label(),
        )


@strawberry.type(description="A staff member or correspondent (通讯员)")
class User:
    id: strawberry.ID
    username: str
    display_name: str
    disabled: bool
    email: str | None = strawberry.field(description="visible to user managers only")
    grants: list[RoleGrant] | None = strawberry.field(
        description="visible to those who may read users"
    )

    @staticmethod
    def from_doc(doc: UserDoc) -> User:
        return User(
            id=strawberry.ID(doc.id),
            username=doc.username,
            display_name=doc.display_name,
            disabled=doc.disabled,
            email=doc.email,
            grants=[RoleGrant.from_domain(g) for g in doc.domain_grants()],
        )


@strawberry.type(description="The caller: tenant, kind, grants and token scopes")
class Viewer:
    tenant_id: strawberry.ID
    kind: str
    subject: str | None
    grants: list[RoleGrant]
    scopes: list[str] | None = strawberry.field(
        description="OAuth scopes of the token; null if unrestricted"
    )


@strawberry.type(description="One entry of the hash-chained audit log")
class AuditEntry:
    seq: int
    at: datetime
    actor: str | None
    action: str
    target_type: str
    target_id: str | None
    details: str = strawberry.field(description="JSON object")
    prev_hash: str
    hash: str

    @staticmethod
    def from_doc(doc: AuditEntryDoc) -> AuditEntry:
        return AuditEntry(
            seq=doc.seq,
            at=ms_to_dt(doc.at),
            actor=doc.actor,
            action=doc.action,
            target_type=doc.target_type,
            target_id=doc.target_id,
            details=json.dumps(doc.details, ensure_ascii=False, sort_keys=True),
            prev_hash=doc.prev_hash,
            hash=doc.hash,
        )


@strawberry.type(
    description="Failed sign-ins of one username from one client address (`session:…`: wrong "
    "current passwords given to changePassword in that session)"
)
class SignInAddress:
    address: str
    failures: int = strawberry.field(
        description="failures since the last success from here (forgotten after "
        "RONGHUB_SIGNIN_FORGET_SECONDS without one)"
    )
    last_failure_at: datetime | None
    last_success_at: datetime | None
    throttled_until: datetime | None = strawberry.field(
        description="attempts from here wait until then; null: not throttled"
    )


@strawberry.type(
    description="Recent failed sign-ins of one username: how many, from where, whether throttled"
)
class SignInAttempts:
    user_id: strawberry.ID | None = strawberry.field(
        description="null: a username nobody has (platform tenant only)"
    )
    username: str
    failures: int = strawberry.field(description="failures from every address together")
    last_failure_at: datetime | None
    throttled_until: datetime | None = strawberry.field(
        description="the per-username ceiling: until then attempts wait unless they come from an address the user "
        "signed in from recently; null: not reached"
    )
    addresses: list[SignInAddress]

    @staticmethod
    def group(
        docs: list[SignInThrottleDoc],
        until: Callable[[SignInThrottleDoc], float],
        now: float,
        first: int,
    ) -> list[SignInAttempts]:
        """The counters (newest failure first) as one entry per username, at most `first`."""

        def when(seconds: float) -> datetime | None:
            return datetime.fromtimestamp(seconds, UTC) if seconds > now else None

        out: dict[str, SignInAttempts] = {}
        for doc in docs:
            entry = out.get(doc.name)
            if entry is None:
                if len(out) == first:
                    continue
                entry = out[doc.name] = SignInAttempts(
                    user_id=strawberry.ID(doc.owner_id) if doc.owner_id else None,
                    username=doc.name,
                    failures=0,
                    last_failure_at=None,
                    throttled_until=None,
                    addresses=[],
                )
            if doc.address is None:
                entry.failures, entry.throttled_until = doc.failures, when(until(doc))
                entry.last_failure_at = ms_to_dt(doc.last_failure_at or None)
            else:
                entry.addresses.append(
                    SignInAddress(
                        address=doc.address,
                        failures=doc.failures,
                        last_failure_at=ms_to_dt(doc.last_failure_at or None),
                        last_success_at=ms_to_dt(doc.last_success_at or None),
                        throttled_until=when(until(doc)),
                    )
                )
        return list(out.values())


@strawberry.type(
    description="稿件共享/上报: a story offered by one center to another or to the platform"
)
class ShareGrant:
    id: strawberry.ID
    from_tenant: strawberry.ID
    to_tenant: strawberry.ID
    story_id: strawberry.ID
    source_version: int | None
    status: str = strawberry.field(description="offered or taken")
    note: str | None
    offered_at: datetime
    taken_at: datetime | None
    taken_story_id: strawberry.ID | None = strawberry.field(
        description="the copy in the taking tenant"
    )

    @staticmethod
    def from_doc(doc: ShareGrantDoc) -> ShareGrant:
        return ShareGrant(
            id=strawberry.ID(doc.id),
            from_tenant=strawberry.ID(doc.tenant),
            to_tenant=strawberry.ID(doc.to_tenant),
            story_id=strawberry.ID(doc.story_id),
            source_version=doc.source_version,
            status=doc.status,
            note=doc.note,
            offered_at=ms_to_dt(doc.offered_at),
            taken_at=ms_to_dt(doc.taken_at),
            taken_story_id=strawberry.ID(doc.taken_story_id) if doc.taken_story_id else None,
        )


@strawberry.type(
    description="A shared story as offered: the grant and the offered revision's content"
)
class SharedStory:
    grant: ShareGrant
    title: str
    body: str
    summary: str | None
    byline: str | None


@strawberry.type(description="An external OpenID Connect provider of the center (optional sign-in)")
class OidcProvider:
    name: str
    issuer: str
    client_id: str
    login_path: str = strawberry.field(description="GET this path to start signing in")


@strawberry.input
class CreateUserInput:
    username: str
    display_name: str
    password: str | None = None
    grants: list[str] = strawberry.field(
        default_factory=list,
        description="e.g. editor, reviewer:final, account_operator@<accountId>",
    )
    email: str | None = None
    tenant: strawberry.ID | None = strawberry.field(
        default=None, description="platform admins only: another center"
    )


@strawberry.type(description="A new OAuth client; the secret is shown only now")
class ClientCredentials:
    client_id: str
    client_secret: str
    scopes: list[str]


def _in_tenant(ctx: Context, tenant: str | None) -> Scope:
    """The caller's scope, or (platform admins only) the same caller acting in `tenant`."""
    if tenant is None or str(tenant) == ctx.scope.tenant:
        return ctx.scope
    authorize(ctx.scope, Action.TENANT_MANAGE)
    from dataclasses import replace

    return replace(ctx.scope, tenant=str(tenant))


def _check_assignable(ctx: Context, grants: list[Grant]) -> None:
    if any(g.role == Role.PLATFORM_ADMIN for g in grants):
        authorize(ctx.scope, Action.TENANT_MANAGE)


async def _managing(ctx: Context, user_id: str) -> directory.UserRepository:
    """The repository to change `user_id` with. A platform administrator's account is
    changed by platform administrators only (a center admin must not reset their password)."""
    repo = directory.UserRepository(ctx.scope)
    user = await repo.get(user_id)
    if user is not None and any(g.role == Role.PLATFORM_ADMIN for g in user.domain_grants()):
        authorize(ctx.scope, Action.TENANT_MANAGE)
    return repo


def _sessions_ended(ctx: Context, doc: UserDoc) -> User:
    """The user's sessions ended: refuse their older tokens in this process at once
    (other processes re-read within RONGHUB_KEY_REFRESH_SECONDS)."""
    if ctx.auth is not None:
        ctx.auth.sessions_ended(doc.tenant, doc.id, doc.session_epoch, doc.sessions_ended_at)
    return User.from_doc(doc)


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="Who am I: tenant, grants and token scopes")
    def me(self, info: Info[Context, None]) -> Viewer:
        s = info.context.scope
        return Viewer(
            tenant_id=strawberry.ID(s.tenant),
            kind=s.principal.kind.value,
            subject=s.actor,
            grants=[RoleGrant.from_domain(g) for g in s.grants],
            scopes=sorted(s.oauth_scopes) if s.oauth_scopes is not None else None,
        )

    @strawberry.field(description="The caller's center")
    async def tenant(self, info: Info[Context, None]) -> Tenant | None:
        doc = await TenantDirectory(info.context.scope).get(info.context.scope.tenant)
        return Tenant.from_doc(doc) if doc else None

    @strawberry.field(description="Every center on the platform (platform admins)")
    async def tenants(self, info: Info[Context, None]) -> list[Tenant]:
        return [Tenant.from_doc(t) for t in await directory.all_tenants()]

    @strawberry.field(description="The center's 融媒号 accounts")
    async def accounts(self, info: Info[Context, None]) -> list[Account]:
        return [
            Account.from_doc(a) for a in await directory.AccountRepository(info.context.scope).all()
        ]

    @strawberry.field(description="The center's users")
    async def users(self, info: Info[Context, None]) -> list[User]:
        return [User.from_doc(u) for u in await directory.UserRepository(info.context.scope).all()]

    @strawberry.field(description="The center's audit log, newest first (admins)")
    async def audit_log(
        self, info: Info[Context, None], first: int = 50, before_seq: int | None = None
    ) -> list[AuditEntry]:
        if not 0 < first <= info.context.settings.graphql_max_page:
            raise invalid("first", "每页条数超出范围", "page size out of range")
        docs = await audit.entries(info.context.scope.tenant, first, before_seq)
        return [AuditEntry.from_doc(d) for d in docs]

    @strawberry.field(
        description="Recent failed sign-ins per username of the center, newest first, with the "
        "addresses they came from and whether attempts are being delayed (admins). Failed sign-ins are "
        "also in the audit log (signin.failed)."
    )
    async def sign_in_attempts(
        self, info: Info[Context, None], first: int = 50
    ) -> list[SignInAttempts]:
        ctx = info.context
        if not 0 < first <= ctx.settings.graphql_max_page:
            raise invalid("first", "每页条数超出范围", "page size out of range")
        if ctx.auth is None:
            return []
        throttle = ctx.auth.throttle
        return SignInAttempts.group(
            await throttle.recent(ctx.scope.tenant), throttle.until, throttle.clock(), first
        )

    @strawberry.field(description="Stories other centers offered to this one (稿件共享)")
    async def share_offers(self, info: Info[Context, None]) -> list[ShareGrant]:
        return [
            ShareGrant.from_doc(g) for g in await ShareRepository(info.context.scope).incoming()
        ]

    @strawberry.field(description="Stories this center offered to others")
    async def outgoing_shares(self, info: Info[Context, None]) -> list[ShareGrant]:
        return [
            ShareGrant.from_doc(g) for g in await ShareRepository(info.context.scope).outgoing()
        ]

    @strawberry.field(description="The offered revision of a shared story (receiving center only)")
    async def shared_story(self, info: Info[Context, None], grant_id: strawberry.ID) -> SharedStory:
        grant, rev = await ShareRepository(info.context.scope).shared_revision(str(grant_id))
        c = rev.content
        return SharedStory(
            grant=ShareGrant.from_doc(grant),
            title=readable(c.title),
            body=c.body,
            summary=readable(c.summary),
            byline=readable(c.byline),
        )


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Create a center (platform admins)")
    async def create_tenant(
        self, info: Info[Context, None], id: strawberry.ID, name: str
    ) -> Tenant:
        return Tenant.from_doc(
            await directory.create_tenant(str(id), name, info.context.scope.actor)
        )

    @strawberry.mutation(description="Create a 融媒号 account in the center")
    async def create_account(
        self, info: Info[Context, None], name: str, kind: str = "town"
    ) -> Account:
        return Account.from_doc(
            await directory.AccountRepository(info.context.scope).create(name, kind)
        )

    @strawberry.mutation(description="Create a user with role grants")
    async def create_user(self, info: Info[Context, None], input: CreateUserInput) -> User:
        ctx = info.context
        grants = directory.parse_grants(input.grants)
        _check_assignable(ctx, grants)
        repo = directory.UserRepository(
            _in_tenant(ctx, str(input.tenant) if input.tenant else None)
        )
        return User.from_doc(
            await repo.create(
                input.username, input.display_name, input.password, grants, input.email
            )
        )

    @strawberry.mutation(
        description="Replace a user's grants. The user's sessions end at once (their "
        "tokens are refused with SESSION_ENDED); the next sign-in carries the new grants."
    )
    async def set_user_grants(
        self, info: Info[Context, None], user_id: strawberry.ID, grants: list[str]
    ) -> User:
        ctx = info.context
        parsed = directory.parse_grants(grants)
        _check_assignable(ctx, parsed)
        repo = await _managing(ctx, str(user_id))
        return _sessions_ended(ctx, await repo.set_grants(str(user_id), parsed))

    @strawberry.mutation(description="Disable a user: no sign-in, and every session ends at once")
    async def disable_user(self, info: Info[Context, None], user_id: strawberry.ID) -> User:
        ctx = info.context
        repo = await _managing(ctx, str(user_id))
        return _sessions_ended(ctx, await repo.set_disabled(str(user_id), True))

    @strawberry.mutation(description="Enable a disabled user again (they sign in anew)")
    async def enable_user(self, info: Info[Context, None], user_id: strawberry.ID) -> User:
        repo = await _managing(info.context, str(user_id))
        return User.from_doc(await repo.set_disabled(str(user_id), False))

    @strawberry.mutation(
        description="Set a new password for a user; every session of the user ends and the "
        "failed sign-ins counted for the username are forgotten"
    )
    async def reset_user_password(
        self, info: Info[Context, None], user_id: strawberry.ID, password: str
    ) -> User:
        ctx = info.context
        repo = await _managing(ctx, str(user_id))
        return _sessions_ended(ctx, await repo.set_password(str(user_id), password))

    @strawberry.mutation(
        description="Sign a user out everywhere: their access and refresh tokens stop working"
    )
    async def revoke_user_sessions(self, info: Info[Context, None], user_id: strawberry.ID) -> User:
        ctx = info.context
        repo = await _managing(ctx, str(user_id))
        return _sessions_ended(ctx, await repo.end_sessions(str(user_id)))

    @strawberry.mutation(
        description="Change your own password. Wrong current passwords count as failed sign-ins "
        "(SIGN_IN_THROTTLED after a few). Every session ends, this one too: sign in again with the "
        "new password."
    )
    async def change_password(
        self, info: Info[Context, None], current_password: str, new_password: str
    ) -> bool:
        ctx = info.context
        if ctx.auth is None:
            raise HubError(Codes.UNAUTHENTICATED)
        from hub.identity.grants import change_password

        _sessions_ended(
            ctx, await change_password(ctx.auth, ctx.scope, current_password, new_password)
        )
        return True

    @strawberry.mutation(
        description="Create a partner/integration OAuth client (client_credentials)"
    )
    async def create_client(
        self, info: Info[Context, None], name: str, scopes: list[str]
    ) -> ClientCredentials:
        doc, secret = await directory.ClientRepository(info.context.scope).create(name, scopes)
        return ClientCredentials(client_id=doc.id, client_secret=secret, scopes=doc.scopes)

    @strawberry.mutation(
        description="End the current session: its access and refresh tokens stop working"
    )
    async def sign_out(self, info: Info[Context, None]) -> bool:
        ctx = info.context
        if ctx.auth is None:
            raise HubError(Codes.UNAUTHENTICATED)
        from hub.identity.grants import revoke_family

        if ctx.scope.session_id:
            await revoke_family(ctx.auth, ctx.scope.tenant, ctx.scope.session_id, reason="sign_out")
        elif ctx.scope.token_id:
            await ctx.auth.revoke(ctx.scope.tenant, "jti", ctx.scope.token_id)
        return True

    @strawberry.mutation(
        description="Add or replace an OIDC provider; users sign in by verified email"
    )
    async def configure_oidc_provider(
        self, info: Info[Context, None], name: str, issuer: str, client_id: str, client_secret: str
    ) -> OidcProvider:
        from hub.identity.oidc import configure_provider

        ctx = info.context
        doc = await configure_provider(
            ctx.scope, ctx.settings, name, issuer, client_id, client_secret
        )
        return OidcProvider(
            name=doc.name,
            issuer=doc.issuer,
            client_id=doc.client_id,
            login_path=f"/oidc/{doc.tenant}/{doc.name}/login",
        )

    @strawberry.mutation(
        description="稿件共享/上报: offer a story to another center or the platform"
    )
    async def offer_story(
        self,
        info: Info[Context, None],
        story_id: strawberry.ID,
        to_tenant: strawberry.ID,
        note: str | None = None,
    ) -> ShareGrant:
        repo = ShareRepository(info.context.scope, info.context.settings.max_body_chars)
        return ShareGrant.from_doc(await repo.offer(str(story_id), str(to_tenant), note))

    @strawberry.mutation(
        description="Take a shared story: a draft copy in this center, provenance kept on the grant"
    )
    async def take_shared_story(self, info: Info[Context, None], grant_id: strawberry.ID) -> Story:
        repo = ShareRepository(info.context.scope, info.context.settings.max_body_chars)
        return Story.from_doc(await repo.take(str(grant_id)))
