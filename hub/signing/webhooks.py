"""Webhook signatures (Standard Webhooks 1.0): the `webhook-signature` header, pure.

Space-separated `<version>,<base64>` entries over `{id}.{timestamp}.{body}`:

- `v1`: HMAC-SHA256 with a `whsec_` secret (one entry per secret, so old and new secrets
  sign together while a receiver rotates);
- `v1a`: Ed25519 with the hub's partner signing keys (one entry per active key during a
  key rotation); receivers verify with the public keys of the hub's JWKS;
- `sm2`: SM2/SM3 entries for endpoints that chose SM2, made by the dispatcher with the
  SM2 keys (keys.py) and passed in as `extra`.

Sending them is the webhook transport's business (hub/transports/webhook.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Protocol

PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret; ValueError unless it decodes to 24-64 bytes."""
    raw = base64.b64decode(secret.removeprefix(PREFIX))
    if not 24 <= len(raw) <= 64:
        raise ValueError("a webhook secret must decode to 24-64 bytes")
    return raw


def signed_content(message_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{message_id}.{timestamp}.".encode() + body


def sign_v1(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(
        secret_key(secret), signed_content(message_id, timestamp, body), hashlib.sha256
    ).digest()
    return "v1," + base64.b64encode(digest).decode()


class Signs(Protocol):
    """A private key that signs (an `Ed25519PrivateKey`, or a hub partner key)."""

    def sign(self, data: bytes, /) -> bytes: ...


def sign_v1a(key: Signs, message_id: str, timestamp: int, body: bytes) -> str:
    return "v1a," + base64.b64encode(key.sign(signed_content(message_id, timestamp, body))).decode()


def sign_webhook(
    secrets: Sequence[str],
    message_id: str,
    timestamp: int,
    body: bytes,
    *,
    ed25519_keys: Sequence[Signs] = (),
    extra: Sequence[str] = (),
) -> str:
    """The `webhook-signature` value: `v1` per secret, `v1a` per key, then `extra` entries."""
    entries = [sign_v1(s, message_id, timestamp, body) for s in secrets]
    entries += [sign_v1a(k, message_id, timestamp, body) for k in ed25519_keys]
    entries += list(extra)
    if not entries:
        raise ValueError("a webhook needs at least one secret or signing key")
    return " ".join(entries)


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_s: int = 300,
    now: float | None = None,
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
    expected = sign_v1(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, sig) for sig in offered if sig.startswith("v1,"))
