"""Signed webhook push (Standard Webhooks 1.0, `v1` = HMAC-SHA256).

Headers: `webhook-id` (the idempotency key: receivers remember it), `webhook-timestamp`
(Unix seconds, so a captured request cannot be replayed later) and `webhook-signature`
(space-separated, one `v1,<base64>` per secret, so old and new secrets sign together
while a receiver rotates). The signed string is `{id}.{timestamp}.{body}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from ronghub_sdk import PermanentDeliveryError, TransientDeliveryError
from ronghub_sdk.transports import PushReceipt

from hub.transports.outbound import check_outbound_url

PREFIX = "whsec_"
THROTTLED = {429, 502, 503, 504}


def _key(secret: str) -> bytes:
    raw = base64.b64decode(secret.removeprefix(PREFIX))
    if not 24 <= len(raw) <= 64:
        raise ValueError("a webhook secret must decode to 24-64 bytes")
    return raw


def sign_webhook(secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value: one `v1,<sig>` per secret, space-separated."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(s), signed, hashlib.sha256).digest()).decode() for s in secrets
    )


def verify_webhook(
    secret: str, headers: Mapping[str, str], body: bytes, *, tolerance_s: int = 300, now: float | None = None
) -> bool:
    """True when one of the `v1` signatures matches and the timestamp is within tolerance."""
    try:
        message_id = headers["webhook-id"]
        timestamp = int(headers["webhook-timestamp"])
        offered = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance_s:
        return False
    expected = sign_webhook([secret], message_id, timestamp, body)
    return any(hmac.compare_digest(expected, sig) for sig in offered if sig.startswith("v1,"))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


class WebhookSender:
    """A WebhookPush to one endpoint, signed with the configured secrets."""

    def __init__(
        self,
        url: str,
        secrets: Sequence[str],
        *,
        timeout_s: float = 10.0,
        allow_loopback: bool = False,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not secrets:
            raise ValueError("a webhook needs at least one secret")
        for s in secrets:
            _key(s)
        self.url = url
        self.secrets = list(secrets)
        self.timeout_s = timeout_s
        self.allow_loopback = allow_loopback
        self._client = client

    async def push(self, payload: Any, *, message_id: str, event: str) -> PushReceipt:
        """POST `payload` as signed JSON; 2xx is success, 410/4xx permanent, 429/5xx retry."""
        await check_outbound_url(self.url, allow_loopback=self.allow_loopback)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign_webhook(self.secrets, message_id, timestamp, body),
            "ronghub-event": event,
        }
        client = self._client or httpx.AsyncClient(timeout=self.timeout_s)
        try:
            response = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientDeliveryError("推送接收方暂时无法连接,稍后自动重试", f"push failed: {exc!r}") from exc
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
