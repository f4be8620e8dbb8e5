"""Signed webhook push (Standard Webhooks 1.0).

Headers: `webhook-id` (the idempotency key: receivers remember it), `webhook-timestamp`
(Unix seconds, so a captured request cannot be replayed later) and `webhook-signature`
(`v1` HMAC and `v1a` Ed25519 entries: made in hub/signing/webhooks.py).

`send_signed` makes one attempt and reports what happened without raising (the
subscription dispatcher classifies it, see hub/feeds/webhooks/schedule.py);
`WebhookSender.push` is the channel transport, which raises the SDK's delivery errors.
Every request goes through the SSRF guard (hub/transports/outbound.py) at connect time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from ronghub_sdk import PermanentDeliveryError, TransientDeliveryError
from ronghub_sdk.transports import PushReceipt

from hub.signing import Signs, secret_key, sign_webhook
from hub.transports.outbound import (
    BlockedAddress,
    OutboundPolicy,
    check_outbound_url,
    guarded_client,
)

THROTTLED = {429, 502, 503, 504}
EXCERPT_BYTES = 4_096


def encode_payload(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Attempt:
    """One POST to a receiver: its status (None: no answer), Retry-After, time taken."""

    status: int | None
    retry_after: str | None
    duration_ms: int
    error: str | None = None
    response_excerpt: str = ""
    blocked: bool = False  # refused by the SSRF guard: no request was sent


async def send_signed(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
) -> Attempt:
    """POST `body` with `headers` once; never raises for network trouble or refusals."""
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        async with client.stream("POST", url, content=body, headers=dict(headers)) as response:
            excerpt = b""
            async for chunk in response.aiter_bytes():  # read a receiver's answer up to 4 KiB
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
    except BlockedAddress as exc:
        return Attempt(None, None, took(), exc.reason_en, blocked=True)
    except httpx.TimeoutException as exc:
        return Attempt(None, None, took(), f"timeout: {type(exc).__name__}")
    except httpx.HTTPError as exc:
        return Attempt(None, None, took(), f"{type(exc).__name__}: {exc}"[:500])
    text = excerpt[:EXCERPT_BYTES].decode("utf-8", "replace")[:500]
    return Attempt(response.status_code, response.headers.get("retry-after"), took(), None, text)


def webhook_headers(
    message_id: str, timestamp: int, signature: str, event: str | None = None
) -> dict[str, str]:
    headers = {
        "content-type": "application/json",
        "user-agent": "Ronghub-Webhooks/1.0",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }
    if event:
        headers["ronghub-event"] = event
    return headers


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


class WebhookSender:
    """A WebhookPush to one endpoint (a channel's transport), signed with the configured secrets."""

    def __init__(
        self,
        url: str,
        secrets: Sequence[str],
        *,
        timeout_s: float = 10.0,
        allow_loopback: bool = False,
        policy: OutboundPolicy | None = None,
        ed25519_keys: Sequence[Signs] = (),
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not secrets and not ed25519_keys:
            raise ValueError("a webhook needs at least one secret")
        for s in secrets:
            secret_key(s)
        self.url = url
        self.secrets = list(secrets)
        self.ed25519_keys = list(ed25519_keys)
        self.timeout_s = timeout_s
        self.allow_loopback = allow_loopback
        self.policy = policy or OutboundPolicy(allow_loopback)
        self._client = client

    async def push(self, payload: Any, *, message_id: str, event: str) -> PushReceipt:
        """POST `payload` as signed JSON; 2xx is success, 410/4xx permanent, 429/5xx retry."""
        await check_outbound_url(self.url, policy=self.policy)
        body = encode_payload(payload)
        timestamp = int(time.time())
        signature = sign_webhook(
            self.secrets, message_id, timestamp, body, ed25519_keys=self.ed25519_keys
        )
        headers = webhook_headers(message_id, timestamp, signature, event)
        client = self._client or guarded_client(self.policy, timeout_s=self.timeout_s)
        try:
            response = await client.post(self.url, content=body, headers=headers)
        except BlockedAddress:
            raise
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(
                "推送接收方暂时无法连接,稍后自动重试", f"push failed: {exc!r}"
            ) from exc
        finally:
            if self._client is None:
                await client.aclose()
        if 200 <= response.status_code < 300:
            return PushReceipt(response.status_code, message_id, response.text)
        if response.status_code in THROTTLED or response.status_code >= 500:
            raise TransientDeliveryError(
                f"接收方繁忙(HTTP {response.status_code}),稍后自动重试",
                f"receiver answered {response.status_code}",
                platform_code=str(response.status_code),
                retry_after_s=_retry_after(response),
            )
        raise PermanentDeliveryError(
            f"接收方拒绝了推送(HTTP {response.status_code}):{response.text[:200]}",
            f"receiver refused the push ({response.status_code})",
            platform_code=str(response.status_code),
        )
