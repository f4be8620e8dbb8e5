"""The SDK's feed verifier (RFC 9421, Ronghub's profile) and JWKS caching, on hand-built vectors."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from ronghub_sdk.verify import (
    AsyncFeedVerifier,
    AsyncJwksClient,
    DigestMismatch,
    FeedVerifier,
    FutureTimestamp,
    InvalidSignature,
    JwksClient,
    KeyFetchError,
    MissingHeader,
    ProfileMismatch,
    SignatureExpired,
    StaticKeys,
    UnknownKey,
)

NOW = 1_800_000_000
URI = "https://hub.example/feeds/s1/items.json?after=42"
KEY1 = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEY2 = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
BODY = json.dumps(
    {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "title": "新闻"}]},
    ensure_ascii=False,
).encode()
COMPONENTS = '("@status" "content-type" "content-digest" "@method";req "@target-uri";req)'


def jwk(key: Ed25519PrivateKey, kid: str) -> dict[str, str]:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "use": "sig",
        "alg": "EdDSA",
        "kid": kid,
        "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def signed(
    body: bytes = BODY,
    *,
    signers: tuple[tuple[str, Ed25519PrivateKey, str], ...] = (("sig1", KEY1, "k1"),),
    created: int = NOW - 5,
    status: int = 200,
    method: str = "GET",
    uri: str = URI,
    tag: str = "ronghub-feed",
    components: str = COMPONENTS,
) -> dict[str, str]:
    """Headers built by hand from RFC 9421 §2.5, independent of the verifier's code."""
    digest = f"sha-256=:{b64(hashlib.sha256(body).digest())}:"
    inputs, sigs = [], []
    for label, key, kid in signers:
        params = f'{components};created={created};expires={created + 300};keyid="{kid}";alg="ed25519";tag="{tag}"'
        base = "\n".join(
            [
                f'"@status": {status}',
                '"content-type": application/feed+json',
                f'"content-digest": {digest}',
                f'"@method";req: {method}',
                f'"@target-uri";req: {uri}',
                f'"@signature-params": {params}',
            ]
        )
        inputs.append(f"{label}={params}")
        sigs.append(f"{label}=:{b64(key.sign(base.encode()))}:")
    return {
        "content-type": "application/feed+json",
        "content-digest": digest,
        "signature-input": ", ".join(inputs),
        "signature": ", ".join(sigs),
    }


KEYS = StaticKeys.from_jwks({"keys": [jwk(KEY1, "k1"), jwk(KEY2, "k2")]})


def verify(
    headers: dict[str, str],
    body: bytes = BODY,
    *,
    keys: object = KEYS,
    method: str = "GET",
    uri: str = URI,
    status: int = 200,
) -> object:
    v = FeedVerifier(keys, clock=lambda: NOW)  # type: ignore[arg-type]
    return v.verify(status=status, method=method, target_uri=uri, headers=headers, body=body)


def test_valid_signature_verifies() -> None:
    sig = verify(signed())
    assert (sig.label, sig.kid, sig.expires - sig.created) == ("sig1", "k1", 300)  # type: ignore[attr-defined]


def test_rotation_two_signatures_any_valid_passes() -> None:
    both = signed(signers=(("sig1", KEY1, "k1"), ("sig2", KEY2, "k2")))
    only_new = StaticKeys([jwk(KEY2, "k2")])
    assert verify(both, keys=only_new).kid == "k2"  # type: ignore[attr-defined]
    assert verify(both).kid == "k1"  # type: ignore[attr-defined]


def test_tampered_body_fails_the_digest() -> None:
    with pytest.raises(DigestMismatch):
        verify(signed(), BODY.replace("新闻".encode(), "假新闻".encode()))


def test_digest_swapped_with_the_body_still_fails_the_signature() -> None:
    other = b'{"items":[]}'
    headers = signed() | {"content-digest": f"sha-256=:{b64(hashlib.sha256(other).digest())}:"}
    with pytest.raises(InvalidSignature):
        verify(headers, other)


def test_covered_request_and_status_bind_the_signature() -> None:
    with pytest.raises(InvalidSignature):
        verify(signed(), uri=URI.replace("after=42", "after=0"))
    with pytest.raises(InvalidSignature):
        verify(signed(), status=304)
    with pytest.raises(InvalidSignature):
        verify(signed() | {"content-type": "text/html"})


def test_wrong_key_and_unknown_kid() -> None:
    with pytest.raises(InvalidSignature):
        verify(signed(signers=(("sig1", KEY2, "k1"),)))
    with pytest.raises(UnknownKey):
        verify(signed(signers=(("sig1", KEY1, "nope"),)))


def test_created_and_expires_are_checked() -> None:
    with pytest.raises(SignatureExpired):
        verify(signed(created=NOW - 400))
    with pytest.raises(FutureTimestamp):
        verify(signed(created=NOW + 120))
    assert verify(signed(created=NOW - 330))  # within the 60 s clock skew allowance


def test_profile_is_enforced() -> None:
    with pytest.raises(ProfileMismatch, match="tag"):
        verify(signed(tag="other"))
    with pytest.raises(ProfileMismatch, match="covers"):
        verify(signed(components='("@status" "content-type")'))
    with pytest.raises(MissingHeader):
        verify({k: v for k, v in signed().items() if k != "signature-input"})


class FakeJwks:
    """The hub's JWKS endpoint as an httpx transport: counts fetches, serves what `keys` holds."""

    def __init__(
        self, keys: list[dict[str, str]], cache_control: str | None = "max-age=60"
    ) -> None:
        self.keys = keys
        self.cache_control = cache_control
        self.fetches = 0
        self.status = 200

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        headers = {"cache-control": self.cache_control} if self.cache_control else {}
        return httpx.Response(self.status, json={"keys": self.keys}, headers=headers)


def test_jwks_client_caches_respects_max_age_and_refetches_once_on_unknown_kid() -> None:
    server = FakeJwks([jwk(KEY1, "k1")])
    clock = [0.0]
    with httpx.Client(transport=httpx.MockTransport(server)) as client:
        keys = JwksClient(
            "https://hub.example/feeds/jwks.json",
            client=client,
            min_refetch_s=30,
            clock=lambda: clock[0],
        )
        assert verify(signed(), keys=keys)
        assert verify(signed(), keys=keys)
        assert server.fetches == 1  # cached
        clock[0] = 61
        assert verify(signed(), keys=keys)
        assert server.fetches == 2  # max-age passed
        # rotation: k2 appears; the unknown kid triggers one refetch
        server.keys = [jwk(KEY1, "k1"), jwk(KEY2, "k2")]
        clock[0] = 100
        assert verify(signed(signers=(("sig1", KEY2, "k2"),)), keys=keys)
        assert server.fetches == 3
        # forged kids do not hammer the hub: one refetch per min_refetch_s
        for _ in range(5):
            with pytest.raises(UnknownKey):
                verify(signed(signers=(("sig1", KEY2, "forged"),)), keys=keys)
        assert server.fetches == 3
        clock[0] = 131
        with pytest.raises(UnknownKey):
            verify(signed(signers=(("sig1", KEY2, "forged"),)), keys=keys)
        assert server.fetches == 4
        # a failing refresh keeps the cached keys working
        server.status = 503
        clock[0] = 500
        assert verify(signed(), keys=keys)


def test_jwks_client_without_cache_headers_uses_default_ttl_and_fails_clearly() -> None:
    server = FakeJwks([jwk(KEY1, "k1")], cache_control=None)
    clock = [0.0]
    with httpx.Client(transport=httpx.MockTransport(server)) as client:
        keys = JwksClient(
            "https://hub.example/jwks", client=client, default_ttl_s=120, clock=lambda: clock[0]
        )
        keys.keys()
        clock[0] = 119
        keys.keys()
        assert server.fetches == 1
        clock[0] = 121
        keys.keys()
        assert server.fetches == 2
    broken = FakeJwks([])
    broken.status = 500
    with (
        httpx.Client(transport=httpx.MockTransport(broken)) as client,
        pytest.raises(KeyFetchError),
    ):
        JwksClient("https://hub.example/jwks", client=client).keys("k1")


async def test_async_feed_verifier_with_async_jwks_client() -> None:
    server = FakeJwks([jwk(KEY1, "k1"), jwk(KEY2, "k2")])
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        keys = AsyncJwksClient("https://hub.example/feeds/jwks.json", client=client)
        v = AsyncFeedVerifier(keys, clock=lambda: NOW)
        sig = await v.verify(
            status=200,
            method="GET",
            target_uri=URI,
            headers=signed(signers=(("sig2", KEY2, "k2"),)),
            body=BODY,
        )
        assert sig.label == "sig2"
        with pytest.raises(DigestMismatch):
            await v.verify(
                status=200, method="GET", target_uri=URI, headers=signed(), body=BODY + b" "
            )
        # verify_response takes method and URI from the request
        request = httpx.Request("GET", URI)
        response = httpx.Response(200, headers=signed(), content=BODY, request=request)
        assert (await v.verify_response(response)).kid == "k1"
        assert server.fetches == 1
