"""Stored documents of webhook endpoints and their delivery log."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from pymongo import IndexModel

from hub.ids import now_ms
from hub.store.documents import TenantDocument


class EndpointState(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class DisabledReason(StrEnum):
    MANUAL = "manual"  # an administrator disabled it
    GONE = "gone"  # the receiver answered 410 Gone
    FAILING = "failing"  # the retry schedule was exhausted on one item
    BLOCKED = "blocked"  # the URL resolved to a forbidden address at send time
    SUBSCRIPTION = "subscription"  # the subscription was disabled or removed
    CLIENT = "client"  # the partner client was disabled: paused, resumed when it is enabled


# how an editor reads each reason (the English text shows the code itself)
DISABLED_REASON_ZH = {
    DisabledReason.MANUAL: "管理员停用",
    DisabledReason.GONE: "接收方回复 410 Gone",
    DisabledReason.FAILING: "重试用尽仍未送达",
    DisabledReason.BLOCKED: "地址解析到了禁止访问的网络",
    DisabledReason.SUBSCRIPTION: "订阅已停用或删除",
    DisabledReason.CLIENT: "合作方客户端已停用",
}


class EndpointSecret(BaseModel):
    """One `whsec_` secret, encrypted; signs until `expires_at` (None: until rotated)."""

    id: str
    secret_enc: str
    created_at: int
    expires_at: int | None = None


class WebhookEndpointDoc(TenantDocument):
    """A partner's receiver for one subscription (tenant = the subscription's tenant).

    `cursor` is the last sequence number of the partner item log that is done (delivered
    or not selected); `attempt` counts failed attempts on the item after it. `tick`
    names the one live dispatch job (`webhooks.dispatch:{id}:{tick}`); any change that
    reschedules the endpoint moves it on, so an older job finds itself stale and stops.
    """

    subscription_id: str
    client_id: str | None = None  # the subscription's partner client (who may manage it too)
    url: str
    description: str = ""
    secrets: list[EndpointSecret] = Field(default_factory=list)
    sm2: bool = False  # also sign with the hub's SM2 key (`sm2,` entry; key in /feeds/jwks.json)
    state: EndpointState = EndpointState.ENABLED
    disabled_reason: DisabledReason | None = None
    disabled_note: str | None = None
    disabled_at: int | None = None
    cursor: int = 0
    attempt: int = 0
    next_attempt_at: int | None = None
    last_status: int | None = None
    last_error: str | None = None
    tick: int = 0
    version: int = 1
    created_by: str | None = None
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "webhook_endpoints"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("subscription_id", 1), ("created_at", 1)]),
        ]

    @property
    def enabled(self) -> bool:
        return self.state == EndpointState.ENABLED


class DeliveryState(StrEnum):
    PENDING = "pending"  # attempted, will be retried
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up (schedule exhausted, 410, blocked): the endpoint was disabled


class DeliveryAttempt(BaseModel):
    n: int
    at: int
    status_code: int | None = None
    duration_ms: int = 0
    error: str | None = None
    verdict: str
    retry_after_s: float | None = None
    replay: bool = False


class WebhookDeliveryDoc(TenantDocument):
    """One log item sent to one endpoint. `_id` is the `webhook-id`: `msg_{endpoint}_{seq}`,
    the same on every attempt and replay, so receivers can drop repeats."""

    endpoint_id: str
    seq: int
    event_type: str
    story_id: str
    item_key: str
    state: DeliveryState = DeliveryState.PENDING
    attempts: list[DeliveryAttempt] = Field(default_factory=list)
    next_attempt_at: int | None = None
    delivered_at: int | None = None
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "webhook_deliveries"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("endpoint_id", 1), ("seq", -1)])
        ]

    @staticmethod
    def make_id(endpoint_id: str, seq: int) -> str:
        return f"msg_{endpoint_id}_{seq}"


WEBHOOK_MODELS = [WebhookEndpointDoc, WebhookDeliveryDoc]
