"""GraphQL for the lifecycle of partner/integration OAuth clients: list, rotate the
secret, disable and enable (`createClient` is in hub/graphql/identity.py).

Who: `client.manage` (center admins; the platform admin, who may name another center
with `tenant`). Another center's client is NOT_FOUND. Secrets are shown only once, by
the mutation that makes them; the list never carries one.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.graphql.context import Context
from hub.graphql.identity import _in_tenant
from hub.graphql.types import ms_to_dt
from hub.identity import client_rules, clients
from hub.identity.client_rules import ClientStatus
from hub.ids import now_ms

ClientStatusEnum = strawberry.enum(
    ClientStatus, name="ClientStatus", description="active (启用) or disabled (已停用)"
)


@strawberry.type(
    description="A replaced secret still accepted during its rotation overlap (never the value)"
)
class ClientPreviousSecret:
    retired_at: datetime = strawberry.field(description="when it was replaced")
    expires_at: datetime = strawberry.field(description="refused from then on")
    last_used_at: datetime | None = strawberry.field(
        description="last token obtained with it (minute precision): has the partner switched yet?"
    )


@strawberry.type(
    description="合作方/集成客户端: an OAuth client (client_credentials) of a partner platform or an integration"
)
class OAuthClient:
    id: strawberry.ID = strawberry.field(description="the client_id")
    tenant_id: strawberry.ID
    name: str
    scopes: list[str]
    status: ClientStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    secret_rotated_at: datetime | None = strawberry.field(
        description="last rotateClientSecret; null: never"
    )
    previous_secrets: list[ClientPreviousSecret] = strawberry.field(
        description="replaced secrets still accepted (rotation overlap)"
    )
    disabled_at: datetime | None
    disabled_by: str | None
    disabled_reason: str | None
    feed_subscription_count: int = strawberry.field(description="enabled feed subscriptions")
    webhook_endpoint_count: int = strawberry.field(
        description="webhook endpoints of its subscriptions (any state)"
    )
    enabled_webhook_endpoint_count: int
    paused_webhook_endpoint_count: int = strawberry.field(
        description="endpoints paused because the client is disabled (they resume when it is enabled)"
    )

    @staticmethod
    def from_view(view: clients.ClientView) -> OAuthClient:
        doc, use = view.doc, view.usage
        now = now_ms()
        return OAuthClient(
            id=strawberry.ID(doc.id),
            tenant_id=strawberry.ID(doc.tenant),
            name=doc.name,
            scopes=list(doc.scopes),
            status=client_rules.status(doc.disabled),
            created_at=ms_to_dt(doc.created_at),
            secret_rotated_at=ms_to_dt(doc.secret_rotated_at),
            previous_secrets=[
                ClientPreviousSecret(
                    retired_at=ms_to_dt(p.retired_at),
                    expires_at=ms_to_dt(p.expires_at),
                    last_used_at=ms_to_dt(p.last_used_at),
                )
                for p in client_rules.live(doc.previous_secrets, now)
            ],
            disabled_at=ms_to_dt(doc.disabled_at),
            disabled_by=doc.disabled_by,
            disabled_reason=doc.disabled_reason,
            feed_subscription_count=use.feed_subscriptions,
            webhook_endpoint_count=use.webhook_endpoints,
            enabled_webhook_endpoint_count=use.webhook_endpoints_enabled,
            paused_webhook_endpoint_count=use.webhook_endpoints_paused,
        )


@strawberry.type(description="A rotated client secret: the new one is shown only now")
class ClientSecretRotation:
    client: OAuthClient
    client_secret: str
    old_secret_expires_at: datetime | None = strawberry.field(
        description="the replaced secret is refused from then on; null: already now (keepOldSeconds 0)"
    )
    sessions_ended: bool = strawberry.field(
        description="tokens issued before were ended (endSessions)"
    )


def _applied(info: Info[Context, None], view: clients.ClientView) -> OAuthClient:
    """Refuse the client's older tokens in this process at once (other processes re-read
    within RONGHUB_KEY_REFRESH_SECONDS)."""
    doc, auth = view.doc, info.context.auth
    if auth is not None:
        auth.client_changed(
            doc.tenant, doc.id, doc.session_epoch, doc.sessions_ended_at, doc.disabled
        )
    return OAuthClient.from_view(view)


@strawberry.type
class ClientsQuery:
    @strawberry.field(
        description="The center's OAuth clients (partners, integrations) with their feed usage; "
        "the platform admin may name another center (`tenant`). Never a secret."
    )
    async def clients(
        self, info: Info[Context, None], tenant: strawberry.ID | None = None
    ) -> list[OAuthClient]:
        scope = _in_tenant(info.context, str(tenant) if tenant else None)
        return [OAuthClient.from_view(v) for v in await clients.list_clients(scope)]


@strawberry.type
class ClientsMutation:
    @strawberry.mutation(
        description=(
            "Rotate a client's secret: the new one is returned once; the old one keeps working for keepOldSeconds "
            f"(0 to {client_rules.MAX_KEEP_OLD_SECONDS}, 7 days) so the partner can deploy the new one. Tokens already "
            "issued stay valid until they expire (10 minutes), unless endSessions (only with keepOldSeconds 0): then "
            "they are refused at once (CLIENT_SESSION_ENDED). Audited."
        )
    )
    async def rotate_client_secret(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        keep_old_seconds: int = 0,
        end_sessions: bool = False,
        tenant: strawberry.ID | None = None,
    ) -> ClientSecretRotation:
        scope = _in_tenant(info.context, str(tenant) if tenant else None)
        view, secret = await clients.rotate_secret(
            scope, str(client_id), keep_old_seconds, end_sessions
        )
        doc = view.doc
        kept = [p.expires_at for p in doc.previous_secrets if p.retired_at == doc.secret_rotated_at]
        return ClientSecretRotation(
            client=_applied(info, view),
            client_secret=secret,
            old_secret_expires_at=ms_to_dt(max(kept)) if kept else None,
            sessions_ended=end_sessions,
        )

    @strawberry.mutation(
        description=(
            "Disable (cut off) a client: /oauth/token refuses it (invalid_client, CLIENT_DISABLED), its live tokens "
            "and feed requests are refused at once, its webhook deliveries pause (kept, not dropped). The reason is "
            "audited with the actor."
        )
    )
    async def disable_client(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        reason: str,
        tenant: strawberry.ID | None = None,
    ) -> OAuthClient:
        scope = _in_tenant(info.context, str(tenant) if tenant else None)
        return _applied(info, await clients.disable(scope, str(client_id), reason))

    @strawberry.mutation(
        description=(
            "Enable a disabled client: it gets tokens again (those from before stay refused) and its paused webhook "
            "endpoints resume in log order from where they stopped. Audited."
        )
    )
    async def enable_client(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        tenant: strawberry.ID | None = None,
    ) -> OAuthClient:
        scope = _in_tenant(info.context, str(tenant) if tenant else None)
        return _applied(info, await clients.enable(scope, str(client_id)))
