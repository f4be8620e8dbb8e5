"""Creating, changing and disabling partner subscriptions, for a caller's scope.

Who: a partner client manages its own subscriptions; a center's admin (or the
platform's admin, in the platform tenant) those of its tenant's clients. Which tenants
a subscription may select: its own client's tenant; a client of the platform tenant
(the provincial platform's partners) may select any center. Everything is checked
before anything is written; changes are compare-and-set on `version` and audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import ReturnDocument

from hub.audit.deferred import record
from hub.domain.permissions import Action, PrincipalKind, permits
from hub.errors import HubError
from hub.feeds.errors import FeedCodes
from hub.feeds.subscriptions import (
    FeedFormat,
    Selection,
    SelectionDoc,
    SignatureAlgorithm,
    SubscriptionDoc,
    clean,
    get_subscription,
    list_subscriptions,
)
from hub.identity.documents import ClientDoc
from hub.identity.policy import refusal
from hub.ids import now_ms
from hub.settings import Settings
from hub.store.documents import TenantDoc
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted

MAX_SUBSCRIPTIONS_PER_CLIENT = 50


async def allowed_tenants(settings: Settings, client: ClientDoc) -> set[str] | None:
    """The tenants `client` may select; None: any (a client of the platform tenant)."""
    if client.tenant == settings.platform_tenant:
        return None
    return {client.tenant}


async def _client(scope: Scope, client_id: str | None) -> ClientDoc:
    if scope.kind == PrincipalKind.CLIENT:
        if client_id not in (None, scope.client_id):
            raise HubError(FeedCodes.CLIENT_NOT_FOUND, client_id=client_id)
        client_id = scope.client_id
    if not client_id:
        raise HubError(
            FeedCodes.INVALID_SUBSCRIPTION,
            reason_zh="请指定合作方客户端 clientId",
            reason_en="clientId is required",
        )
    found = await ClientDoc.find_one({"tenant": scope.tenant, "_id": client_id})
    if found is None:
        raise HubError(FeedCodes.CLIENT_NOT_FOUND, client_id=client_id)
    if found.disabled:
        raise HubError(FeedCodes.CLIENT_DISABLED, client_id=client_id)
    return found


async def _check(
    settings: Settings, client: ClientDoc, selection: Selection, formats: list[FeedFormat]
) -> None:
    problems = selection.problems(None)
    if not formats:
        problems.append(("至少选择一种格式", "choose at least one format"))
    if problems:
        raise HubError(
            FeedCodes.INVALID_SUBSCRIPTION,
            reason_zh=";".join(zh for zh, _ in problems),
            reason_en="; ".join(en for _, en in problems),
        )
    allowed = await allowed_tenants(settings, client)
    for tenant in selection.tenants:
        if allowed is not None and tenant not in allowed:
            raise HubError(
                FeedCodes.TENANT_NOT_ALLOWED, tenant=tenant, allowed=", ".join(sorted(allowed))
            )
        if allowed is None and await TenantDoc.find_one({"tenant": tenant, "_id": tenant}) is None:
            raise HubError(
                FeedCodes.TENANT_NOT_ALLOWED,
                tenant=tenant,
                allowed="*",
            )


def _formats(values: Iterable[str] | None) -> list[FeedFormat]:
    out: list[FeedFormat] = []
    for v in values if values is not None else [f.value for f in FeedFormat]:
        try:
            fmt = FeedFormat(v)
        except ValueError:
            raise HubError(
                FeedCodes.INVALID_SUBSCRIPTION,
                reason_zh=f"未知格式 {v}",
                reason_en=f"unknown format {v}",
            ) from None
        if fmt not in out:
            out.append(fmt)
    return out


def _selection(base: SelectionDoc | None, changes: dict[str, Any]) -> Selection:
    cur = base or SelectionDoc()
    pick = {
        k: clean(changes[k]) if changes.get(k) is not None else tuple(getattr(cur, k))
        for k in ("tenants", "columns", "tags", "types", "channels")
    }
    return Selection(**pick)


async def create(
    scope: Scope,
    settings: Settings,
    *,
    client_id: str | None,
    name: str,
    selection: dict[str, Any],
    formats: list[str] | None,
    signature_algorithm: str = "ed25519",
    subscription_id: str | None = None,
) -> SubscriptionDoc:
    """A new subscription (id `subscription_id`, an idempotent create's, or a new one); one
    already there with that id raises DuplicateKeyError."""
    client = await _client(scope, client_id)
    sel_changes = dict(selection)
    if not sel_changes.get("tenants"):
        sel_changes["tenants"] = [client.tenant]
    sel = _selection(None, sel_changes)
    fmts = _formats(formats)
    await _check(settings, client, sel, fmts)
    name = name.strip()
    if not name or len(name) > 200:
        raise HubError(
            FeedCodes.INVALID_SUBSCRIPTION,
            reason_zh="名称须为 1–200 个字符",
            reason_en="name must be 1-200 characters",
        )
    algorithm = _algorithm(signature_algorithm)
    if len(await list_subscriptions(scope.tenant, client.id)) >= MAX_SUBSCRIPTIONS_PER_CLIENT:
        raise HubError(
            FeedCodes.INVALID_SUBSCRIPTION,
            reason_zh=f"每个客户端最多 {MAX_SUBSCRIPTIONS_PER_CLIENT} 个订阅",
            reason_en=f"at most {MAX_SUBSCRIPTIONS_PER_CLIENT} subscriptions per client",
        )
    doc = SubscriptionDoc(
        tenant=scope.tenant,
        client_id=client.id,
        name=name,
        selection=SelectionDoc.of(sel),
        formats=fmts,
        signature_algorithm=algorithm,
        created_by=scope.actor,
    )
    if subscription_id is not None:
        doc.id = subscription_id
    await _ensure_key(settings, algorithm)
    await doc.insert()
    await record(
        scope.tenant,
        scope.actor,
        "feeds.subscription.create",
        "feed_subscription",
        doc.id,
        {"client_id": client.id, "tenants": list(sel.tenants), "formats": [f.value for f in fmts]},
    )
    return doc


async def _ensure_key(settings: Settings, algorithm: SignatureAlgorithm) -> None:
    """An SM2 subscription's key exists (and is in the JWKS) before its first response."""
    if algorithm == SignatureAlgorithm.SM2:
        from hub.signing import keys

        await keys.signing_keys(settings, keys.SM2)


def _algorithm(value: str) -> SignatureAlgorithm:
    try:
        return SignatureAlgorithm(value)
    except ValueError:
        raise HubError(
            FeedCodes.INVALID_SUBSCRIPTION,
            reason_zh=f"未知签名算法 {value}",
            reason_en=f"unknown signature algorithm {value}",
        ) from None


async def find(scope: Scope, subscription_id: str) -> SubscriptionDoc | None:
    """The caller's subscription, None if there is none it may see."""
    try:
        return await _mine(scope, subscription_id)
    except HubError:
        return None


async def _mine(scope: Scope, subscription_id: str) -> SubscriptionDoc:
    doc = await get_subscription(scope.tenant, subscription_id)
    if doc is None or (scope.kind == PrincipalKind.CLIENT and doc.client_id != scope.client_id):
        raise HubError(FeedCodes.SUBSCRIPTION_NOT_FOUND, subscription_id=subscription_id)
    return doc


async def visible(
    scope: Scope, settings: Settings, client_id: str | None = None, tenant: str | None = None
) -> list[SubscriptionDoc]:
    """The subscriptions the caller may see: a client its own, admins their tenant's; the
    platform admin (platform tenant, tenant.manage) any center's, naming it."""
    if scope.kind == PrincipalKind.CLIENT:
        return await list_subscriptions(scope.tenant, scope.client_id)
    if tenant is not None and tenant != scope.tenant:
        platform_admin = scope.tenant == settings.platform_tenant and permits(
            scope.principal, Action.TENANT_MANAGE
        )
        if not platform_admin:
            raise refusal(scope, Action.TENANT_MANAGE)
        return await list_subscriptions(tenant, client_id)
    return await list_subscriptions(scope.tenant, client_id)


async def update(
    scope: Scope,
    settings: Settings,
    subscription_id: str,
    expected_version: int,
    *,
    name: str | None,
    selection: dict[str, Any],
    formats: list[str] | None,
    signature_algorithm: str | None,
    enabled: bool | None = None,
) -> SubscriptionDoc:
    doc = await _mine(scope, subscription_id)
    client = await _client(scope, doc.client_id)
    sel = _selection(doc.selection, selection)
    fmts = _formats(formats) if formats is not None else list(doc.formats)
    await _check(settings, client, sel, fmts)
    changes: dict[str, Any] = {
        "selection": SelectionDoc.of(sel).model_dump(),
        "formats": [f.value for f in fmts],
        "updated_at": now_ms(),
    }
    if name is not None:
        if not name.strip() or len(name) > 200:
            raise HubError(
                FeedCodes.INVALID_SUBSCRIPTION,
                reason_zh="名称须为 1–200 个字符",
                reason_en="name must be 1-200 characters",
            )
        changes["name"] = name.strip()
    if signature_algorithm is not None:
        changes["signature_algorithm"] = _algorithm(signature_algorithm).value
        await _ensure_key(settings, _algorithm(signature_algorithm))
    if enabled is not None:
        changes["disabled_at"] = None if enabled else (doc.disabled_at or now_ms())
    return await _write(scope, doc, expected_version, changes, "feeds.subscription.update")


async def disable(scope: Scope, subscription_id: str, expected_version: int) -> SubscriptionDoc:
    doc = await _mine(scope, subscription_id)
    return await _write(
        scope,
        doc,
        expected_version,
        {"disabled_at": doc.disabled_at or now_ms(), "updated_at": now_ms()},
        "feeds.subscription.disable",
    )


async def _write(
    scope: Scope, doc: SubscriptionDoc, expected: int, changes: dict[str, Any], action: str
) -> SubscriptionDoc:
    raw = await Tenanted(SubscriptionDoc, scope.tenant).find_one_and_update(
        {"_id": doc.id, "version": expected},
        {"$set": changes, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if raw is None:
        current = await get_subscription(scope.tenant, doc.id)
        raise HubError(
            FeedCodes.SUBSCRIPTION_CHANGED,
            expected=expected,
            current=current.version if current else "?",
        )
    await record(
        scope.tenant,
        scope.actor,
        action,
        "feed_subscription",
        doc.id,
        {k: v for k, v in changes.items() if k != "updated_at"},
    )
    return SubscriptionDoc.model_validate(raw)
