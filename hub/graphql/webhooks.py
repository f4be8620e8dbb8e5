"""GraphQL for partner webhook endpoints: create, change, disable/enable, rotate the secret,
the delivery log, and replay (one delivery, or everything from a log number on)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.feeds.webhooks.documents import DeliveryAttempt, WebhookDeliveryDoc, WebhookEndpointDoc
from hub.feeds.webhooks.endpoints import DEFAULT_OVERLAP_S, WebhookEndpoints
from hub.graphql.context import Context
from hub.graphql.types import ms_to_dt


def _repo(info: Info[Context, None]) -> WebhookEndpoints:
    return WebhookEndpoints(info.context.scope, info.context.settings)


@strawberry.type(description="A webhook secret (v1 HMAC); the value itself is shown only once")
class WebhookSecretInfo:
    id: strawberry.ID
    created_at: datetime
    expires_at: datetime | None = strawberry.field(
        description="stops signing then (rotation overlap); null: current"
    )


@strawberry.type(
    description="推送地址: a partner's receiver of one subscription (Standard Webhooks)"
)
class WebhookEndpoint:
    id: strawberry.ID
    subscription_id: strawberry.ID
    url: str
    description: str
    enabled: bool
    disabled_reason: str | None = strawberry.field(
        description="manual, gone (410), failing, blocked, subscription, client (the partner client is disabled: resumes when it is enabled)"
    )
    disabled_note: str | None
    disabled_at: datetime | None
    cursor: int = strawberry.field(
        description="last partner-log number done (delivered or not selected)"
    )
    failed_attempts: int = strawberry.field(description="failed attempts on the next item")
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    secrets: list[WebhookSecretInfo]
    sm2: bool = strawberry.field(
        description="also signed with the hub's SM2 key (sm2 entry; key in /feeds/jwks.json)"
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def from_doc(doc: WebhookEndpointDoc) -> WebhookEndpoint:
        return WebhookEndpoint(
            id=strawberry.ID(str(doc.id)),
            subscription_id=strawberry.ID(doc.subscription_id),
            url=doc.url,
            description=doc.description,
            enabled=doc.enabled,
            disabled_reason=doc.disabled_reason.value if doc.disabled_reason else None,
            disabled_note=doc.disabled_note,
            disabled_at=ms_to_dt(doc.disabled_at),
            cursor=doc.cursor,
            failed_attempts=doc.attempt,
            next_attempt_at=ms_to_dt(doc.next_attempt_at),
            last_status=doc.last_status,
            last_error=doc.last_error,
            secrets=[
                WebhookSecretInfo(
                    id=strawberry.ID(s.id),
                    created_at=ms_to_dt(s.created_at),
                    expires_at=ms_to_dt(s.expires_at),
                )
                for s in doc.secrets
            ],
            sm2=doc.sm2,
            version=doc.version,
            created_at=ms_to_dt(doc.created_at),
            updated_at=ms_to_dt(doc.updated_at),
        )


@strawberry.type(
    description="A new or rotated endpoint with its secret: store it now, it is not shown again"
)
class WebhookEndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str = strawberry.field(description="whsec_… for v1 (HMAC-SHA256) verification")


@strawberry.type(description="One attempt of a delivery")
class WebhookAttempt:
    number: int
    at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    verdict: str = strawberry.field(description="delivered, gone, throttled, failed, blocked")
    retry_after_seconds: float | None
    replay: bool

    @staticmethod
    def from_doc(a: DeliveryAttempt) -> WebhookAttempt:
        return WebhookAttempt(
            number=a.n,
            at=ms_to_dt(a.at),
            status_code=a.status_code,
            duration_ms=a.duration_ms,
            error=a.error,
            verdict=a.verdict,
            retry_after_seconds=a.retry_after_s,
            replay=a.replay,
        )


@strawberry.type(
    description="推送记录: one log item sent to one endpoint; id = the webhook-id. A test event "
    "(sendWebhookTestEvent) has eventType webhook.test, seq 0 and no story"
)
class WebhookDelivery:
    id: strawberry.ID
    endpoint_id: strawberry.ID
    seq: int
    event_type: str
    story_id: str
    state: str = strawberry.field(
        description="pending (will retry), delivered, failed (endpoint disabled; a test event: it did not arrive)"
    )
    attempts: list[WebhookAttempt]
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @staticmethod
    def from_doc(d: WebhookDeliveryDoc) -> WebhookDelivery:
        return WebhookDelivery(
            id=strawberry.ID(str(d.id)),
            endpoint_id=strawberry.ID(d.endpoint_id),
            seq=d.seq,
            event_type=d.event_type,
            story_id=d.story_id,
            state=d.state.value,
            attempts=[WebhookAttempt.from_doc(a) for a in d.attempts],
            next_attempt_at=ms_to_dt(d.next_attempt_at),
            delivered_at=ms_to_dt(d.delivered_at),
            created_at=ms_to_dt(d.created_at),
        )


@strawberry.input(description="A new webhook endpoint for a subscription")
class CreateWebhookEndpointInput:
    subscription_id: strawberry.ID
    url: str = strawberry.field(
        description="the partner's public http(s) URL; private and loopback targets are refused"
    )
    description: str | None = None
    sm2: bool | None = strawberry.field(
        default=None,
        description="add an sm2 (SM2/SM3) signature; default: the subscription's signature algorithm",
    )


@strawberry.type
class WebhooksQuery:
    @strawberry.field(description="推送地址列表 of this center (optionally of one subscription)")
    async def webhook_endpoints(
        self, info: Info[Context, None], subscription_id: strawberry.ID | None = None
    ) -> list[WebhookEndpoint]:
        docs = await _repo(info).all(str(subscription_id) if subscription_id else None)
        return [WebhookEndpoint.from_doc(d) for d in docs]

    @strawberry.field(description="一个推送地址")
    async def webhook_endpoint(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> WebhookEndpoint:
        return WebhookEndpoint.from_doc(await _repo(info).get(str(id)))

    @strawberry.field(description="推送记录: an endpoint's deliveries, newest log number first")
    async def webhook_deliveries(
        self,
        info: Info[Context, None],
        endpoint_id: strawberry.ID,
        first: int = 50,
        before_seq: int | None = None,
    ) -> list[WebhookDelivery]:
        docs = await _repo(info).deliveries(str(endpoint_id), first, before_seq)
        return [WebhookDelivery.from_doc(d) for d in docs]


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(description="添加推送地址; the secret is shown once")
    async def create_webhook_endpoint(
        self, info: Info[Context, None], input: CreateWebhookEndpointInput
    ) -> WebhookEndpointWithSecret:
        doc, secret = await _repo(info).create(
            str(input.subscription_id), input.url, input.description, input.sm2
        )
        return WebhookEndpointWithSecret(endpoint=WebhookEndpoint.from_doc(doc), secret=secret)

    @strawberry.mutation(description="修改推送地址 (URL, description)")
    async def update_webhook_endpoint(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        url: str | None = None,
        description: str | None = None,
    ) -> WebhookEndpoint:
        return WebhookEndpoint.from_doc(
            await _repo(info).update(str(id), url=url, description=description)
        )

    @strawberry.mutation(description="停用推送地址; undelivered items wait for enabling")
    async def disable_webhook_endpoint(
        self, info: Info[Context, None], id: strawberry.ID, note: str | None = None
    ) -> WebhookEndpoint:
        return WebhookEndpoint.from_doc(await _repo(info).disable(str(id), note))

    @strawberry.mutation(
        description="启用推送地址: delivery resumes with the first undelivered item"
    )
    async def enable_webhook_endpoint(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> WebhookEndpoint:
        return WebhookEndpoint.from_doc(await _repo(info).enable(str(id)))

    @strawberry.mutation(
        description="更换密钥: a new secret (shown once); the old one keeps signing keepOldSeconds"
    )
    async def rotate_webhook_secret(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        keep_old_seconds: int = DEFAULT_OVERLAP_S,
    ) -> WebhookEndpointWithSecret:
        doc, secret = await _repo(info).rotate_secret(str(id), keep_old_seconds)
        return WebhookEndpointWithSecret(endpoint=WebhookEndpoint.from_doc(doc), secret=secret)

    @strawberry.mutation(
        description="重新推送一条: send one delivery again now, with the same webhook-id"
    )
    async def replay_webhook_delivery(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> WebhookDelivery:
        return WebhookDelivery.from_doc(await _repo(info).replay_delivery(str(id)))

    @strawberry.mutation(
        description="发送测试事件: a signed `webhook.test` event (no story) sent now; the answer is its delivery "
        "(delivered, or failed with the status or error), also in the delivery log with seq 0. The endpoint's "
        "cursor and retries are untouched; allowed on a disabled endpoint, not while the partner client is "
        "disabled (WEBHOOK_CLIENT_DISABLED). At most one per endpoint every 10 seconds (WEBHOOK_TEST_TOO_SOON)."
    )
    async def send_webhook_test_event(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> WebhookDelivery:
        return WebhookDelivery.from_doc(await _repo(info).send_test(str(id)))

    @strawberry.mutation(
        description="从某序号起重新推送: every selected item from log number fromSeq on, in order"
    )
    async def replay_webhook_endpoint(
        self, info: Info[Context, None], id: strawberry.ID, from_seq: int
    ) -> WebhookEndpoint:
        return WebhookEndpoint.from_doc(await _repo(info).replay_from(str(id), from_seq))
