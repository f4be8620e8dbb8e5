"""Webhook endpoints as an administrator manages them: the repository the GraphQL layer uses.

Every query filters by the caller's tenant. Secrets are generated here, returned once
(create, rotate) and stored encrypted. Each change is validated before anything is
written, written with compare-and-set, audited, and reschedules the endpoint's dispatch
chain where it matters (enable, replay).
"""

from __future__ import annotations

import base64
import secrets as pysecrets
from collections.abc import Callable
from typing import Any

from beanie.odm.enums import SortDirection
from pymongo.errors import DuplicateKeyError

from hub.audit.deferred import record as audit
from hub.domain.permissions import PrincipalKind
from hub.errors import HubError
from hub.feeds.log import head_seq
from hub.feeds.subscriptions import SignatureAlgorithm, get_subscription, list_subscriptions
from hub.feeds.webhooks import dispatch, events
from hub.feeds.webhooks.documents import (
    DISABLED_REASON_ZH,
    DeliveryAttempt,
    DeliveryState,
    DisabledReason,
    EndpointSecret,
    EndpointState,
    WebhookDeliveryDoc,
    WebhookEndpointDoc,
)
from hub.feeds.webhooks.errors import WebhookCodes
from hub.feeds.webhooks.schedule import Verdict, classify
from hub.identity.documents import ClientDoc
from hub.identity.keys import encrypt_text
from hub.ids import new_id, now_ms
from hub.jobs import queue
from hub.settings import Settings
from hub.signing import SM2, signing_keys
from hub.store.scope import Scope
from hub.transports.outbound import (
    BlockedAddress,
    OutboundPolicy,
    check_outbound_url,
    guarded_client,
)
from hub.transports.webhook import encode_payload, send_signed

MAX_URL = 2_000
MAX_DESCRIPTION = 500
MAX_SECRETS = 3  # the newest and up to two still in their overlap
DEFAULT_OVERLAP_S = 86_400
TEST_INTERVAL_S = 10  # at most one test event per endpoint in each such window


def new_secret() -> str:
    return "whsec_" + base64.b64encode(pysecrets.token_bytes(32)).decode()


def probe_window(at_ms: int) -> tuple[int, int]:
    """The test-event window `at_ms` falls in, and the whole seconds until the next one (>= 1)."""
    window = at_ms // (TEST_INTERVAL_S * 1000)
    return window, max(1, -(-((window + 1) * TEST_INTERVAL_S * 1000 - at_ms) // 1000))


class WebhookEndpoints:
    def __init__(self, scope: Scope, settings: Settings, clock: Callable[[], int] = now_ms) -> None:
        self.scope = scope
        self.settings = settings
        self.clock = clock  # the test-event window's time (tests pass a fixed one)

    @property
    def tenant(self) -> str:
        return self.scope.tenant

    def _mine(self) -> dict[str, Any]:
        """The filter of what this caller may manage: the tenant's endpoints; for a partner
        client only those of its own subscriptions."""
        q: dict[str, Any] = {"tenant": self.tenant}
        if self.scope.kind == PrincipalKind.CLIENT:
            q["client_id"] = self.scope.client_id or "-"
        return q

    async def _audit(self, action: str, ep: WebhookEndpointDoc, **details: Any) -> None:
        await audit(self.tenant, self.scope.actor, action, "webhook_endpoint", str(ep.id), details)

    async def check_url(self, url: str) -> str:
        url = url.strip()
        if not url or len(url) > MAX_URL:
            raise HubError(
                WebhookCodes.BAD_INPUT,
                reason_zh="推送地址为空或过长。",
                reason_en="the URL is empty or too long",
            )
        try:
            await check_outbound_url(url, policy=OutboundPolicy.from_settings(self.settings))
        except BlockedAddress as exc:
            raise HubError(
                WebhookCodes.URL_BLOCKED, url=url, reason_zh=exc.reason_zh, reason_en=exc.reason_en
            ) from exc
        return url

    @staticmethod
    def _description(text: str | None) -> str:
        text = (text or "").strip()
        if len(text) > MAX_DESCRIPTION:
            raise HubError(
                WebhookCodes.BAD_INPUT,
                reason_zh=f"说明最多 {MAX_DESCRIPTION} 字。",
                reason_en=f"the description has at most {MAX_DESCRIPTION} characters",
            )
        return text

    async def get(self, endpoint_id: str) -> WebhookEndpointDoc:
        ep = await WebhookEndpointDoc.find_one({"_id": endpoint_id, **self._mine()})
        if ep is None:
            raise HubError(WebhookCodes.ENDPOINT_NOT_FOUND, id=endpoint_id)
        return ep

    async def all(self, subscription_id: str | None = None) -> list[WebhookEndpointDoc]:
        q = self._mine()
        if subscription_id:
            q["subscription_id"] = subscription_id
        return (
            await WebhookEndpointDoc.find(q)
            .sort([("created_at", SortDirection.ASCENDING)])
            .to_list()
        )

    async def create(
        self,
        subscription_id: str,
        url: str,
        description: str | None = None,
        sm2: bool | None = None,
    ) -> tuple[WebhookEndpointDoc, str]:
        """A new endpoint receiving the subscription's items from now on; returns it and its secret."""
        subscription = await get_subscription(self.tenant, subscription_id)
        client = self.scope.client_id if self.scope.kind == PrincipalKind.CLIENT else None
        if subscription is None or (client is not None and subscription.client_id != client):
            raise HubError(WebhookCodes.SUBSCRIPTION_NOT_FOUND, id=subscription_id)
        await refuse_if_client_disabled(self.tenant, subscription.client_id)
        url = await self.check_url(url)
        text = self._description(description)
        secret = new_secret()
        now = now_ms()
        use_sm2 = (
            sm2 if sm2 is not None else subscription.signature_algorithm == SignatureAlgorithm.SM2
        )
        if use_sm2:
            await signing_keys(self.settings, SM2)  # creates and publishes the hub's SM2 key
        ep = WebhookEndpointDoc(
            id=new_id(),
            tenant=self.tenant,
            subscription_id=subscription_id,
            client_id=subscription.client_id,
            url=url,
            description=text,
            secrets=[
                EndpointSecret(
                    id=new_id(), secret_enc=encrypt_text(self.settings, secret), created_at=now
                )
            ],
            sm2=use_sm2,
            cursor=await head_seq(),
            created_by=self.scope.actor,
            created_at=now,
            updated_at=now,
        )
        await ep.insert()
        await dispatch.schedule_run(self.tenant, str(ep.id), ep.tick, now, poll=True)
        await self._audit(
            "webhook.create", ep, url=url, subscription_id=subscription_id, sm2=use_sm2
        )
        return ep, secret

    async def _write(
        self,
        ep: WebhookEndpointDoc,
        *,
        ready_at: int | None = None,
        poll: bool = False,
        **changes: Any,
    ) -> WebhookEndpointDoc:
        saved = await dispatch.move(ep, ready_at=ready_at, poll=poll, **changes)
        if saved is None:
            raise HubError(WebhookCodes.CONFLICT)
        return saved

    async def update(
        self, endpoint_id: str, *, url: str | None = None, description: str | None = None
    ) -> WebhookEndpointDoc:
        ep = await self.get(endpoint_id)
        changes: dict[str, Any] = {}
        if url is not None:
            changes["url"] = await self.check_url(url)
        if description is not None:
            changes["description"] = self._description(description)
        if not changes:
            return ep
        saved = await dispatch.save(ep, **changes)
        if saved is None:
            raise HubError(WebhookCodes.CONFLICT)
        await self._audit("webhook.update", saved, **changes)
        return saved

    async def disable(self, endpoint_id: str, note: str | None = None) -> WebhookEndpointDoc:
        ep = await self.get(endpoint_id)
        if not ep.enabled:
            return ep
        saved = await self._write(
            ep, **dispatch.disabled_fields(DisabledReason.MANUAL, (note or "").strip() or None)
        )
        await self._audit("webhook.disable", saved, note=note)
        return saved

    async def enable(self, endpoint_id: str) -> WebhookEndpointDoc:
        """Enable (or restart) the endpoint: delivery resumes with the first undelivered item."""
        ep = await self.get(endpoint_id)
        await refuse_if_client_disabled(self.tenant, await _client_of(ep))
        await self.check_url(ep.url)
        saved = await self._write(
            ep,
            ready_at=now_ms(),
            state=EndpointState.ENABLED,
            disabled_reason=None,
            disabled_note=None,
            disabled_at=None,
            attempt=0,
            next_attempt_at=None,
        )
        await self._audit("webhook.enable", saved, was=ep.state.value, cursor=saved.cursor)
        return saved

    async def rotate_secret(
        self, endpoint_id: str, keep_old_seconds: int = DEFAULT_OVERLAP_S
    ) -> tuple[WebhookEndpointDoc, str]:
        """A new secret signs from now on; the current ones keep signing `keep_old_seconds`
        (every delivery carries a `v1` signature per secret meanwhile)."""
        if not 0 <= keep_old_seconds <= 30 * 86_400:
            raise HubError(
                WebhookCodes.BAD_INPUT,
                reason_zh="旧密钥保留时间须在 0 到 30 天之间。",
                reason_en="keepOldSeconds must be between 0 and 30 days",
            )
        ep = await self.get(endpoint_id)
        now = now_ms()
        secret = new_secret()
        until = now + keep_old_seconds * 1000
        kept = [
            s.model_copy(update={"expires_at": min(s.expires_at or until, until)})
            for s in ep.secrets
            if s.expires_at is None or s.expires_at > now
        ]
        fresh = EndpointSecret(
            id=new_id(), secret_enc=encrypt_text(self.settings, secret), created_at=now
        )
        kept = [s for s in kept if (s.expires_at or 0) > now][-(MAX_SECRETS - 1) :]
        saved = await dispatch.save(ep, secrets=[s.model_dump() for s in [*kept, fresh]])
        if saved is None:
            raise HubError(WebhookCodes.CONFLICT)
        saved = saved.model_copy(update={"secrets": [*kept, fresh]})
        await self._audit("webhook.rotate_secret", saved, keep_old_seconds=keep_old_seconds)
        return saved, secret

    async def replay_from(self, endpoint_id: str, from_seq: int) -> WebhookEndpointDoc:
        """Send again every selected item from log number `from_seq` on, in order (same ids)."""
        ep = await self.get(endpoint_id)
        if from_seq < 1 or from_seq - 1 > ep.cursor:
            raise HubError(
                WebhookCodes.BAD_INPUT,
                reason_zh=f"只能从已推送过的序号重新推送(1 到 {ep.cursor + 1})。",
                reason_en=f"fromSeq must be between 1 and {ep.cursor + 1}",
            )
        if not ep.enabled:
            raise HubError(
                WebhookCodes.ENDPOINT_DISABLED,
                reason=ep.disabled_reason or "",
                reason_zh=DISABLED_REASON_ZH.get(ep.disabled_reason, "已停用")
                if ep.disabled_reason
                else "已停用",
            )
        saved = await self._write(
            ep, ready_at=now_ms(), cursor=from_seq - 1, attempt=0, next_attempt_at=None
        )
        await self._audit(
            "webhook.replay_from", saved, from_seq=from_seq, previous_cursor=ep.cursor
        )
        return saved

    async def deliveries(
        self, endpoint_id: str, first: int = 50, before_seq: int | None = None
    ) -> list[WebhookDeliveryDoc]:
        await self.get(endpoint_id)
        q: dict[str, Any] = {"tenant": self.tenant, "endpoint_id": endpoint_id}
        if before_seq is not None:
            q["seq"] = {"$lt": before_seq}
        rows = WebhookDeliveryDoc.find(q).sort([("seq", SortDirection.DESCENDING)])
        return await rows.limit(max(1, min(first, 200))).to_list()

    async def replay_delivery(self, delivery_id: str) -> WebhookDeliveryDoc:
        """Send one delivery again now (same `webhook-id`), outside the ordered stream."""
        delivery = await WebhookDeliveryDoc.find_one({"_id": delivery_id, "tenant": self.tenant})
        if delivery is None:
            raise HubError(WebhookCodes.DELIVERY_NOT_FOUND, id=delivery_id)
        ep = await self.get(delivery.endpoint_id)
        if delivery.event_type == events.TEST:
            raise HubError(
                WebhookCodes.BAD_INPUT,
                reason_zh="测试事件不能重新推送,请再发送一次测试事件。",
                reason_en="a test event is not replayed; send a new test event",
            )
        if not ep.enabled:
            raise HubError(
                WebhookCodes.ENDPOINT_DISABLED,
                reason=ep.disabled_reason or "",
                reason_zh=DISABLED_REASON_ZH.get(ep.disabled_reason, "已停用")
                if ep.disabled_reason
                else "已停用",
            )
        await queue.enqueue(
            self.tenant,
            dispatch.REPLAY_CONSUMER,
            "webhooks.replay",
            f"{delivery_id}:{new_id()}",
            {"delivery_id": delivery_id},
        )
        await self._audit("webhook.replay", ep, delivery_id=delivery_id, seq=delivery.seq)
        return delivery

    async def send_test(self, endpoint_id: str) -> WebhookDeliveryDoc:
        """Send a signed `webhook.test` event to the endpoint now and record the attempt in
        its delivery log (seq 0: outside the partner log; the cursor and retry state stay).
        Works on a disabled endpoint too (check the receiver before enabling it), not while
        the partner client is disabled. At most one per endpoint per TEST_INTERVAL_S window:
        the delivery's id names the window and is claimed before anything is sent."""
        ep = await self.get(endpoint_id)
        await refuse_if_client_disabled(self.tenant, await _client_of(ep))
        now = self.clock()
        window, wait = probe_window(now)
        message_id = f"msg_{ep.id}_test_{window}"
        delivery = WebhookDeliveryDoc(
            id=message_id,
            tenant=self.tenant,
            endpoint_id=str(ep.id),
            seq=0,
            event_type=events.TEST,
            story_id="",
            item_key="test",
        )
        try:
            await delivery.insert()
        except DuplicateKeyError:
            raise HubError(WebhookCodes.TEST_TOO_SOON, seconds=wait) from None
        body = encode_payload(events.test_payload(self.tenant, str(ep.id), ep.subscription_id, now))
        dispatcher = dispatch.Dispatcher(self.settings)
        headers = await dispatcher.headers_for(ep, message_id, body, events.TEST)
        async with guarded_client(
            dispatcher.policy, timeout_s=self.settings.webhook_timeout_s
        ) as client:
            result = await send_signed(client, ep.url, body, headers)
        outcome = classify(result.status, result.retry_after)
        delivered = outcome.verdict is Verdict.DELIVERED and not result.blocked
        at = now_ms()
        attempt = DeliveryAttempt(
            n=1,
            at=at,
            status_code=result.status,
            duration_ms=result.duration_ms,
            error=result.error,
            verdict="blocked" if result.blocked else outcome.verdict.value,
        )
        delivery.attempts = [attempt]
        delivery.state = DeliveryState.DELIVERED if delivered else DeliveryState.FAILED
        delivery.delivered_at = at if delivered else None
        delivery.updated_at = at
        await delivery.save()
        await self._audit(
            "webhook.test",
            ep,
            delivery_id=message_id,
            status=result.status,
            verdict=attempt.verdict,
        )
        return delivery


# -- a partner client disabled and enabled again (hub/identity/clients.py) -------------------


async def _client_of(ep: WebhookEndpointDoc) -> str | None:
    if ep.client_id:
        return ep.client_id
    subscription = await get_subscription(ep.tenant, ep.subscription_id)
    return subscription.client_id if subscription else None


async def refuse_if_client_disabled(tenant: str, client_id: str | None) -> None:
    """WEBHOOK_CLIENT_DISABLED if the endpoint's partner client is disabled: its endpoints
    stay paused until the client is enabled."""
    if client_id is None:
        return
    client = await ClientDoc.find_one({"_id": client_id, "tenant": tenant})
    if client is not None and client.disabled:
        raise HubError(WebhookCodes.CLIENT_DISABLED, client_id=client_id)


async def client_endpoints(tenant: str, client_id: str) -> list[WebhookEndpointDoc]:
    """The endpoints of the client's subscriptions, oldest first."""
    subscriptions = [str(s.id) for s in await list_subscriptions(tenant, client_id)]
    q = {
        "tenant": tenant,
        "$or": [{"client_id": client_id}, {"subscription_id": {"$in": subscriptions}}],
    }
    return (
        await WebhookEndpointDoc.find(q).sort([("created_at", SortDirection.ASCENDING)]).to_list()
    )


async def _move_until_done(
    ep: WebhookEndpointDoc,
    wanted: Callable[[WebhookEndpointDoc], bool],
    ready_at: int | None,
    **changes: Any,
) -> bool:
    """Move `ep` with `changes` while `wanted(ep)` holds, over concurrent moves by its
    running chain (compare-and-set on version and tick). True if this call moved it."""
    for _ in range(20):
        if not wanted(ep):
            return False
        if await dispatch.move(ep, ready_at=ready_at, **changes) is not None:
            return True
        fresh = await WebhookEndpointDoc.find_one({"_id": ep.id, "tenant": ep.tenant})
        if fresh is None:
            return False
        ep = fresh
    raise HubError(WebhookCodes.CONFLICT)


async def pause_client(tenant: str, client_id: str, note: str | None) -> list[str]:
    """Pause every enabled endpoint of the client (disabled, reason `client`): no delivery
    until `resume_client`; each keeps its cursor, so nothing is dropped. A run in flight
    stops at its next write (the tick moved); the item it was sending goes again on resume
    with the same webhook-id. Returns the ids paused."""
    paused = []
    fields = dispatch.disabled_fields(DisabledReason.CLIENT, note)
    for ep in await client_endpoints(tenant, client_id):
        if await _move_until_done(ep, lambda e: e.enabled, None, **fields):
            paused.append(str(ep.id))
    return paused


def _paused_by_client(ep: WebhookEndpointDoc) -> bool:
    return not ep.enabled and ep.disabled_reason == DisabledReason.CLIENT


async def resume_client(tenant: str, client_id: str) -> list[str]:
    """Enable again the endpoints `pause_client` paused (those disabled for another reason
    stay disabled): each resumes with its first undelivered item, in log order."""
    resumed = []
    for ep in await client_endpoints(tenant, client_id):
        if await _move_until_done(
            ep,
            _paused_by_client,
            now_ms(),
            state=EndpointState.ENABLED,
            disabled_reason=None,
            disabled_note=None,
            disabled_at=None,
            attempt=0,
            next_attempt_at=None,
        ):
            resumed.append(str(ep.id))
    return resumed
