"""Verifying Standard Webhooks 1.0 deliveries from Ronghub.

Headers: `webhook-id`, `webhook-timestamp` (Unix seconds), `webhook-signature`: a
space-separated list of `<version>,<base64 signature>`. The signed content is
`{webhook-id}.{webhook-timestamp}.{raw body}`:

- `v1`: HMAC-SHA256 with the endpoint's secret (`whsec_<base64>`, shown once when the
  endpoint is created or its secret rotated).
- `v1a`: Ed25519 with the hub's partner signing keys (`whpk_<base64>` public keys, or the
  JWKS at `https://<hub>/feeds/jwks.json`).
- `sm2` (optional, for government partners): SM2 over SM3(Z_A ‖ content), Z_A with the
  default id `1234567812345678`; the value is base64 of r‖s (64 bytes); the key is the
  hub's SM2 key in the same JWKS (`kty` EC, `crv` SM2, x and y), or give it as 128 hex
  digits x‖y in `sm2_public_keys`. Needs `ronghub-sdk[sm2]`.

During a rotation the hub sends several signatures; one valid signature is enough.
A delivery is refused when no signature matches (tampered body, wrong key), when its
timestamp is outside `tolerance_s` (default 5 minutes), or when its `webhook-id` was
already accepted (replay). Verify the *raw* body bytes, before any JSON parsing.

    verifier = WebhookVerifier(secrets=["whsec_..."])
    message = verifier.verify(request.headers, raw_body)   # raises VerificationError
    handle(message.payload)

Ronghub redelivers an event with the same `webhook-id` until you answer 2xx; a
`ReplayedMessage` for such a retry means you already have it: answer 2xx again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import inspect
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ronghub_sdk.verify.errors import (
    FutureTimestamp,
    InvalidSignature,
    MalformedHeader,
    MissingHeader,
    ReplayedMessage,
    StaleTimestamp,
)
from ronghub_sdk.verify.keys import AsyncKeySource, KeySource, StaticKeys, VerifyKey, sm2_key
from ronghub_sdk.verify.replay import AsyncSeenIds, MemorySeenIds, SeenIds

SECRET_PREFIX = "whsec_"
SUPPORTED = ("v1", "v1a", "sm2")


@dataclass(frozen=True)
class WebhookMessage:
    """An accepted delivery."""

    id: str
    timestamp: int
    scheme: str  # the version of the signature that matched: "v1" or "v1a"
    body: bytes

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


def secret_bytes(secret: str | bytes) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret (raw bytes are taken as they are)."""
    if isinstance(secret, bytes):
        return secret
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        lowered = {k.lower(): v for k, v in headers.items()}
        value = lowered.get(name)
    if value is None or not value.strip():
        raise MissingHeader(f"missing header {name}")
    return value.strip()


@dataclass(frozen=True)
class _Parsed:
    id: str
    timestamp: int
    signed: bytes
    signatures: list[tuple[str, bytes]]


def _parse(headers: Mapping[str, str], body: bytes, tolerance_s: float, now: float) -> _Parsed:
    message_id = _header(headers, "webhook-id")
    raw_ts = _header(headers, "webhook-timestamp")
    raw_sig = _header(headers, "webhook-signature")
    try:
        timestamp = int(raw_ts)
    except ValueError as exc:
        raise MalformedHeader(f"webhook-timestamp is not an integer: {raw_ts!r}") from exc
    if now - timestamp > tolerance_s:
        raise StaleTimestamp(
            f"webhook-timestamp {timestamp} is {int(now - timestamp)} s old (tolerance {tolerance_s:g} s)"
        )
    if timestamp - now > tolerance_s:
        raise FutureTimestamp(
            f"webhook-timestamp {timestamp} is {int(timestamp - now)} s ahead (tolerance {tolerance_s:g} s)"
        )
    signatures: list[tuple[str, bytes]] = []
    for entry in raw_sig.split():
        version, sep, value = entry.partition(",")
        if not sep:
            continue
        try:
            signatures.append((version, base64.b64decode(value, validate=True)))
        except (binascii.Error, ValueError):
            continue
    if not signatures:
        raise MalformedHeader("webhook-signature holds no <version>,<base64> entry")
    return _Parsed(message_id, timestamp, f"{message_id}.{timestamp}.".encode() + body, signatures)


def _match(parsed: _Parsed, secrets: Sequence[bytes], keys: Sequence[VerifyKey]) -> str:
    offered = {version for version, _ in parsed.signatures}
    for version, signature in parsed.signatures:
        if version == "sm2":
            if any(k.sm2_hex and k.verifies(signature, parsed.signed) for k in keys):
                return "sm2"
        elif version == "v1":
            for secret in secrets:
                expected = hmac.new(secret, parsed.signed, hashlib.sha256).digest()
                if hmac.compare_digest(expected, signature):
                    return "v1"
        elif version == "v1a":
            for key in keys:
                if key.public is not None and key.verifies(signature, parsed.signed):
                    return "v1a"
    usable = offered & set(SUPPORTED)
    if not usable:
        raise InvalidSignature(
            f"no supported signature (offered {sorted(offered)}, supported {list(SUPPORTED)})"
        )
    if "v1" in usable and not secrets and "v1a" not in usable:
        raise InvalidSignature("only v1 signatures offered but no secret configured")
    if "v1a" in usable and not any(k.public for k in keys) and "v1" not in usable:
        raise InvalidSignature("only v1a signatures offered but no public key configured")
    raise InvalidSignature("no signature matches: body changed or signed with another key/secret")


class _Base:
    def __init__(
        self,
        *,
        secrets: Iterable[str | bytes] = (),
        public_keys: Iterable[Any] = (),
        sm2_public_keys: Iterable[str] = (),
        tolerance_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secrets = [secret_bytes(s) for s in secrets]
        self._static = StaticKeys(public_keys)
        self._static = StaticKeys([*self._static.keys(), *(sm2_key(k) for k in sm2_public_keys)])
        self.tolerance_s = tolerance_s
        self.clock = clock

    @property
    def replay_ttl_s(self) -> float:
        # a timestamp is accepted tolerance_s on either side of now
        return 2 * self.tolerance_s + 60


class WebhookVerifier(_Base):
    """Sync verifier. `keys` may be a `JwksClient` (the hub's JWKS) next to or instead of
    `public_keys`; `seen` is the replay store (in-memory by default; None turns replay
    detection off, e.g. when your own storage is idempotent by webhook-id)."""

    def __init__(
        self,
        *,
        secrets: Iterable[str | bytes] = (),
        public_keys: Iterable[Any] = (),
        sm2_public_keys: Iterable[str] = (),
        keys: KeySource | None = None,
        tolerance_s: float = 300.0,
        seen: SeenIds | bool | None = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            secrets=secrets,
            public_keys=public_keys,
            sm2_public_keys=sm2_public_keys,
            tolerance_s=tolerance_s,
            clock=clock,
        )
        self._keys = keys
        self.seen: SeenIds | None = MemorySeenIds() if seen is True else (seen or None)
        if not self._secrets and not self._static.keys() and keys is None:
            raise ValueError("give at least one secret, public key or key source")

    def verify(self, headers: Mapping[str, str], body: bytes) -> WebhookMessage:
        parsed = _parse(headers, body, self.tolerance_s, self.clock())
        keys = self._static.keys()
        if self._keys is not None and any(v in ("v1a", "sm2") for v, _ in parsed.signatures):
            keys += self._keys.keys(None)
        scheme = _match(parsed, self._secrets, keys)
        if self.seen is not None and self.seen.seen(parsed.id, self.replay_ttl_s):
            raise ReplayedMessage(f"webhook-id {parsed.id} was already accepted")
        return WebhookMessage(parsed.id, parsed.timestamp, scheme, body)


class AsyncWebhookVerifier(_Base):
    """Async verifier: the same checks, with an `AsyncJwksClient` and sync or async replay store."""

    def __init__(
        self,
        *,
        secrets: Iterable[str | bytes] = (),
        public_keys: Iterable[Any] = (),
        sm2_public_keys: Iterable[str] = (),
        keys: AsyncKeySource | KeySource | None = None,
        tolerance_s: float = 300.0,
        seen: SeenIds | AsyncSeenIds | bool | None = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            secrets=secrets,
            public_keys=public_keys,
            sm2_public_keys=sm2_public_keys,
            tolerance_s=tolerance_s,
            clock=clock,
        )
        self._keys = keys
        self.seen: SeenIds | AsyncSeenIds | None = (
            MemorySeenIds() if seen is True else (seen or None)
        )
        if not self._secrets and not self._static.keys() and keys is None:
            raise ValueError("give at least one secret, public key or key source")

    async def verify(self, headers: Mapping[str, str], body: bytes) -> WebhookMessage:
        parsed = _parse(headers, body, self.tolerance_s, self.clock())
        keys = self._static.keys()
        if self._keys is not None and any(v in ("v1a", "sm2") for v, _ in parsed.signatures):
            fetched = self._keys.keys(None)
            keys += await fetched if inspect.isawaitable(fetched) else fetched
        scheme = _match(parsed, self._secrets, keys)
        if self.seen is not None:
            repeated = self.seen.seen(parsed.id, self.replay_ttl_s)
            if await repeated if inspect.isawaitable(repeated) else repeated:
                raise ReplayedMessage(f"webhook-id {parsed.id} was already accepted")
        return WebhookMessage(parsed.id, parsed.timestamp, scheme, body)
