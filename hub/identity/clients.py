"""The lifecycle of partner and integration OAuth clients, for an administrator's scope:
list them, rotate a secret, disable (cut a partner off) and enable again.

Each operation is tenant-scoped (another center's client is NOT_FOUND) and audited with
the actor. Disabling moves the client's session epoch in the same store update (its
tokens are refused: at once in the calling process, which applies the returned epoch,
and within RONGHUB_KEY_REFRESH_SECONDS everywhere else), then pauses the webhook
endpoints of its subscriptions; enabling resumes those, in log order from where each
stopped. A crash between the two steps is repaired by running the same operation again
(both are idempotent), and the webhook dispatcher itself refuses to send for a disabled
client meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.audit.deferred import record
from hub.feeds.subscriptions import SubscriptionDoc
from hub.feeds.webhooks import endpoints as webhooks
from hub.feeds.webhooks.documents import DisabledReason, EndpointState, WebhookEndpointDoc
from hub.identity.directory import ClientRepository
from hub.identity.documents import ClientDoc
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted


@dataclass(frozen=True)
class ClientUsage:
    """What a client has in the feeds: enabled subscriptions, webhook endpoints (all,
    enabled, and those paused because the client is disabled)."""

    feed_subscriptions: int = 0
    webhook_endpoints: int = 0
    webhook_endpoints_enabled: int = 0
    webhook_endpoints_paused: int = 0


@dataclass(frozen=True)
class ClientView:
    doc: ClientDoc
    usage: ClientUsage


async def usage(tenant: str, client_ids: list[str] | None = None) -> dict[str, ClientUsage]:
    """Counts per client id, from two projected reads of the tenant's subscriptions and
    endpoints (a center has tens of them, not thousands)."""
    q: dict[str, object] = {}
    if client_ids is not None:
        q["client_id"] = {"$in": client_ids}
    owner: dict[str, str] = {}
    subs: dict[str, int] = {}
    async for s in Tenanted(SubscriptionDoc, tenant).find(q, {"client_id": 1, "disabled_at": 1}):
        owner[str(s["_id"])] = str(s["client_id"])
        if s.get("disabled_at") is None:
            subs[str(s["client_id"])] = subs.get(str(s["client_id"]), 0) + 1
    eps: dict[str, list[dict[str, object]]] = {}
    fields = {"client_id": 1, "subscription_id": 1, "state": 1, "disabled_reason": 1}
    async for e in Tenanted(WebhookEndpointDoc, tenant).find({}, fields):
        client = e.get("client_id") or owner.get(str(e.get("subscription_id")))
        if client is not None:
            eps.setdefault(str(client), []).append(e)
    out = {}
    for cid in set(subs) | set(eps):
        rows = eps.get(cid, [])
        out[cid] = ClientUsage(
            feed_subscriptions=subs.get(cid, 0),
            webhook_endpoints=len(rows),
            webhook_endpoints_enabled=sum(
                1 for r in rows if r.get("state") == EndpointState.ENABLED.value
            ),
            webhook_endpoints_paused=sum(
                1
                for r in rows
                if r.get("state") == EndpointState.DISABLED.value
                and r.get("disabled_reason") == DisabledReason.CLIENT.value
            ),
        )
    return out


async def _view(doc: ClientDoc) -> ClientView:
    return ClientView(doc, (await usage(doc.tenant, [doc.id])).get(doc.id, ClientUsage()))


async def list_clients(scope: Scope) -> list[ClientView]:
    """The tenant's clients, oldest first, with their feed usage. Never a secret."""
    docs = await ClientRepository(scope).all()
    counts = await usage(scope.tenant)
    return [ClientView(d, counts.get(d.id, ClientUsage())) for d in docs]


async def rotate_secret(
    scope: Scope, client_id: str, keep_old_seconds: int = 0, end_sessions: bool = False
) -> tuple[ClientView, str]:
    """A new secret (returned once); the old one works `keep_old_seconds` more. Tokens
    already issued stay valid until they expire, unless `end_sessions` (with 0)."""
    doc, secret = await ClientRepository(scope).rotate_secret(
        client_id, keep_old_seconds, end_sessions
    )
    until = max(
        (p.expires_at for p in doc.previous_secrets if p.retired_at == doc.secret_rotated_at),
        default=None,
    )
    await record(
        scope.tenant,
        scope.actor,
        "client.rotate_secret",
        "client",
        doc.id,
        {
            "keep_old_seconds": keep_old_seconds,
            "old_secret_expires_at": until,
            "end_sessions": end_sessions,
            "session_epoch": doc.session_epoch,
            "previous_secrets": len(doc.previous_secrets),
        },
    )
    return await _view(doc), secret


async def disable(scope: Scope, client_id: str, reason: str) -> ClientView:
    """Cut a partner off: no new tokens (CLIENT_DISABLED), its tokens refused, its feeds
    refused, its webhook deliveries paused (kept, not dropped)."""
    repo = ClientRepository(scope)
    doc, changed = await repo.set_disabled(client_id, reason)
    paused = await webhooks.pause_client(
        scope.tenant, doc.id, f"合作方已停用:{doc.disabled_reason or ''}"
    )
    if changed or paused:
        await record(
            scope.tenant,
            scope.actor,
            "client.disable",
            "client",
            doc.id,
            {
                "reason": doc.disabled_reason,
                "session_epoch": doc.session_epoch,
                "webhook_endpoints_paused": paused,
                "already_disabled": not changed,
            },
        )
    return await _view(doc)


async def enable(scope: Scope, client_id: str) -> ClientView:
    """Let the partner back in: new tokens work (tokens from before the disabling stay
    refused), and its paused webhook endpoints resume in order from where they stopped."""
    doc, changed = await ClientRepository(scope).set_disabled(client_id, None)
    resumed = await webhooks.resume_client(scope.tenant, doc.id) if not doc.disabled else []
    if changed or resumed:
        await record(
            scope.tenant,
            scope.actor,
            "client.enable",
            "client",
            doc.id,
            {
                "webhook_endpoints_resumed": resumed,
                "already_enabled": not changed,
            },
        )
    return await _view(doc)
