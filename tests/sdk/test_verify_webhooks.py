"""The SDK's webhook verifier against hand-built Standard Webhooks vectors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from ronghub_sdk.verify import (
    AsyncWebhookVerifier,
    FutureTimestamp,
    InvalidSignature,
    MalformedHeader,
    MemorySeenIds,
    MissingHeader,
    ReplayedMessage,
    StaleTimestamp,
    StaticKeys,
    VerificationError,
    WebhookVerifier,
)
from standardwebhooks.webhooks import Webhook

NOW = 1_800_000_000
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"o" * 32).decode()
BODY = json.dumps(
    {"type": "story.published", "data": {"id": "s1", "title": "县里新闻"}}, ensure_ascii=False
).encode()
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


def whpk(key: Ed25519PrivateKey) -> str:
    return (
        "whpk_"
        + base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    )


def jwk(key: Ed25519PrivateKey, kid: str) -> dict[str, str]:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "kid": kid,
        "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
    }


def v1(secret: str, msg_id: str, ts: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    return (
        "v1,"
        + base64.b64encode(
            hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
        ).decode()
    )


def v1a(key: Ed25519PrivateKey, msg_id: str, ts: int, body: bytes) -> str:
    return "v1a," + base64.b64encode(key.sign(f"{msg_id}.{ts}.".encode() + body)).decode()


def headers(signature: str, msg_id: str = "msg_1", ts: int = NOW) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}


def verifier(**kw: object) -> WebhookVerifier:
    return WebhookVerifier(clock=lambda: NOW, **kw)  # type: ignore[arg-type]


def test_v1_vector_matches_the_standardwebhooks_library() -> None:
    # the reference library signs the same string the same way
    lib = Webhook(SECRET).sign("msg_1", datetime.fromtimestamp(NOW, tz=UTC), BODY.decode())
    assert lib == v1(SECRET, "msg_1", NOW, BODY)
    message = verifier(secrets=[SECRET]).verify(headers(lib), BODY)
    assert (message.id, message.timestamp, message.scheme) == ("msg_1", NOW, "v1")
    assert message.payload["data"]["title"] == "县里新闻"


def test_v1a_with_whpk_key_and_with_jwk() -> None:
    sig = v1a(KEY, "msg_1", NOW, BODY)
    assert verifier(public_keys=[whpk(KEY)]).verify(headers(sig), BODY).scheme == "v1a"
    assert verifier(public_keys=[jwk(KEY, "k1")]).verify(headers(sig), BODY).scheme == "v1a"
    assert (
        verifier(keys=StaticKeys.from_jwks({"keys": [jwk(OTHER, "k0"), jwk(KEY, "k1")]}))
        .verify(headers(sig), BODY)
        .scheme
        == "v1a"
    )


def test_rotation_any_valid_signature_passes() -> None:
    header = " ".join(
        [
            v1(OLD_SECRET, "m", NOW, BODY),
            v1(SECRET, "m", NOW, BODY),
            v1a(OTHER, "m", NOW, BODY),
            v1a(KEY, "m", NOW, BODY),
        ]
    )
    assert verifier(secrets=[SECRET]).verify(headers(header, "m"), BODY).scheme == "v1"
    assert verifier(secrets=[OLD_SECRET]).verify(headers(header, "m"), BODY).scheme == "v1"
    assert verifier(public_keys=[whpk(KEY)]).verify(headers(header, "m"), BODY).scheme == "v1a"
    # unknown versions are ignored, not fatal
    assert verifier(secrets=[SECRET]).verify(
        headers("v9,AAAA " + v1(SECRET, "n", NOW, BODY), "n"), BODY
    )


@pytest.mark.parametrize("scheme", ["v1", "v1a"])
def test_tampered_body_is_refused(scheme: str) -> None:
    sig = v1(SECRET, "m", NOW, BODY) if scheme == "v1" else v1a(KEY, "m", NOW, BODY)
    v = verifier(secrets=[SECRET], public_keys=[whpk(KEY)])
    with pytest.raises(InvalidSignature) as err:
        v.verify(headers(sig, "m"), BODY.replace("县里".encode(), "省里".encode()))
    assert err.value.reason == "bad_signature"


def test_wrong_key_and_wrong_secret_are_refused() -> None:
    with pytest.raises(InvalidSignature):
        verifier(public_keys=[whpk(KEY)]).verify(headers(v1a(OTHER, "m", NOW, BODY), "m"), BODY)
    with pytest.raises(InvalidSignature):
        verifier(secrets=[SECRET]).verify(headers(v1(OLD_SECRET, "m", NOW, BODY), "m"), BODY)
    with pytest.raises(InvalidSignature, match="no public key"):
        verifier(secrets=[SECRET]).verify(headers(v1a(KEY, "m", NOW, BODY), "m"), BODY)
    # a signature made for another id or timestamp does not transfer
    with pytest.raises(InvalidSignature):
        verifier(secrets=[SECRET]).verify(headers(v1(SECRET, "m", NOW, BODY), "other"), BODY)


def test_stale_and_future_timestamps_are_refused() -> None:
    v = verifier(secrets=[SECRET])
    old = NOW - 301
    with pytest.raises(StaleTimestamp) as err:
        v.verify(headers(v1(SECRET, "m", old, BODY), "m", old), BODY)
    assert err.value.reason == "stale"
    ahead = NOW + 301
    with pytest.raises(FutureTimestamp):
        v.verify(headers(v1(SECRET, "m", ahead, BODY), "m", ahead), BODY)
    edge = NOW - 300
    assert v.verify(headers(v1(SECRET, "m", edge, BODY), "m", edge), BODY)
    wide = WebhookVerifier(secrets=[SECRET], tolerance_s=600, clock=lambda: NOW)
    assert wide.verify(headers(v1(SECRET, "w", old, BODY), "w", old), BODY)


def test_replayed_id_is_refused_and_store_is_pluggable() -> None:
    v = verifier(secrets=[SECRET])
    h = headers(v1(SECRET, "msg_r", NOW, BODY), "msg_r")
    v.verify(h, BODY)
    with pytest.raises(ReplayedMessage) as err:
        v.verify(h, BODY)
    assert err.value.reason == "replayed"
    # a failed verification does not burn the id
    v2 = verifier(secrets=[SECRET])
    with pytest.raises(InvalidSignature):
        v2.verify(h, BODY + b" ")
    assert v2.verify(h, BODY)
    # replay detection off
    v3 = verifier(secrets=[SECRET], seen=None)
    v3.verify(h, BODY)
    v3.verify(h, BODY)


def test_memory_seen_ids_expire_and_are_bounded() -> None:
    clock = [0.0]
    seen = MemorySeenIds(max_entries=3, clock=lambda: clock[0])
    assert not seen.seen("a", 10)
    assert seen.seen("a", 10)
    clock[0] = 11
    assert not seen.seen("a", 10)  # expired: new again
    for name in "bcde":
        seen.seen(name, 100)
    assert len(seen) <= 3
    seen.forget("e")
    assert not seen.seen("e", 100)


def test_missing_and_malformed_headers() -> None:
    v = verifier(secrets=[SECRET])
    with pytest.raises(MissingHeader):
        v.verify({"webhook-id": "m", "webhook-timestamp": str(NOW)}, BODY)
    with pytest.raises(MalformedHeader):
        v.verify(headers(v1(SECRET, "m", NOW, BODY)) | {"webhook-timestamp": "soon"}, BODY)
    with pytest.raises(MalformedHeader):
        v.verify(headers("garbage"), BODY)
    # header names are case-insensitive
    sig = v1(SECRET, "m", NOW, BODY)
    assert v.verify(
        {"Webhook-Id": "m", "Webhook-Timestamp": str(NOW), "Webhook-Signature": sig}, BODY
    )
    with pytest.raises(ValueError):
        WebhookVerifier()


async def test_async_verifier_same_rules_with_async_replay_store() -> None:
    class AsyncStore:
        def __init__(self) -> None:
            self.ids: set[str] = set()

        async def seen(self, message_id: str, ttl_s: float) -> bool:
            if message_id in self.ids:
                return True
            self.ids.add(message_id)
            return False

    store = AsyncStore()
    v = AsyncWebhookVerifier(
        secrets=[SECRET], public_keys=[jwk(KEY, "k1")], seen=store, clock=lambda: NOW
    )
    h = headers(v1a(KEY, "a1", NOW, BODY), "a1")
    assert (await v.verify(h, BODY)).scheme == "v1a"
    with pytest.raises(ReplayedMessage):
        await v.verify(h, BODY)
    with pytest.raises(InvalidSignature):
        await v.verify(headers(v1a(KEY, "a2", NOW, BODY), "a2"), BODY + b"x")
    old = NOW - 1_000
    with pytest.raises(VerificationError) as err:
        await v.verify(headers(v1(SECRET, "a3", old, BODY), "a3", old), BODY)
    assert err.value.reason == "stale"
