"""Partner signing keys: Ed25519 pairs that sign feed responses (RFC 9421) and webhook
deliveries, encrypted at rest, rotated with an activation delay, published as JWKS.

Like the token keys (hub/auth/keys.py): the kid is the RFC 7638 thumbprint of the public
JWK, the private half is stored encrypted (`encrypt_text`). `rotate` adds a key that is
published at once and signs from `key_activation_seconds` later (at once with
`immediate`); the keys it replaces keep signing for `feed_key_overlap_seconds` after
that, so during a rotation every response carries two signatures (new key first) and a
partner holding either key verifies. A retired key stays in the JWKS for another
`feed_key_overlap_seconds`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.auth.keys import decrypt_text, encrypt_text
from hub.feeds.documents import FeedKeyDoc as FeedKeyDoc
from hub.ids import now_ms
from hub.settings import Settings

ALG = "ed25519"  # the RFC 9421 algorithm name; JWK alg is "EdDSA"
JWKS_CACHE_SECONDS = 300


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an OKP key: members crv, kty, x."""
    members = {k: jwk[k] for k in ("crv", "kty", "x")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url(hashlib.sha256(canonical).digest())


def public_jwk(public: Ed25519PublicKey) -> dict[str, Any]:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk: dict[str, Any] = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    return {**jwk, "kid": thumbprint(jwk), "alg": "EdDSA", "use": "sig"}


@dataclass(frozen=True)
class PartnerKey:
    kid: str
    private: Ed25519PrivateKey
    public_jwk: dict[str, Any]


def _pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class _Cache:
    """Decrypted keys by kid, and the key documents re-read every `key_refresh_seconds`."""

    def __init__(self) -> None:
        self.loaded: dict[str, PartnerKey] = {}
        self.docs: list[FeedKeyDoc] = []
        self.read_at = 0.0
        self.tenant = ""


_cache = _Cache()


def _forget() -> None:
    _cache.read_at = 0.0


async def _docs(settings: Settings) -> list[FeedKeyDoc]:
    fresh = time.monotonic() - _cache.read_at < settings.key_refresh_seconds
    if fresh and _cache.tenant == settings.platform_tenant:
        return _cache.docs
    docs = await FeedKeyDoc.find({"tenant": settings.platform_tenant, "alg": ALG}).to_list()
    _cache.docs, _cache.read_at, _cache.tenant = docs, time.monotonic(), settings.platform_tenant
    return docs


def _load(settings: Settings, doc: FeedKeyDoc) -> PartnerKey:
    known = _cache.loaded.get(doc.id)
    if known is None:
        pem = decrypt_text(settings, doc.private_enc).encode()
        private = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(private, Ed25519PrivateKey)
        known = PartnerKey(doc.id, private, dict(doc.public_jwk))
        _cache.loaded[doc.id] = known
    return known


def signs_at(doc: FeedKeyDoc, now: int) -> bool:
    return doc.activates_at <= now and (doc.retired_at is None or doc.retired_at > now)


def published_at(doc: FeedKeyDoc, now: int, overlap_seconds: int) -> bool:
    return doc.retired_at is None or doc.retired_at + overlap_seconds * 1000 > now


async def rotate(settings: Settings, immediate: bool = False) -> PartnerKey:
    """Add a new signing key: published now, signing after `key_activation_seconds` (at
    once if `immediate` or if no key signs yet). The key signing until now keeps signing
    for `feed_key_overlap_seconds` after the new one starts; older or never-active keys
    stop when it starts. So at most two keys sign at any time."""
    private = Ed25519PrivateKey.generate()
    jwk = public_jwk(private.public_key())
    now = now_ms()
    docs = await FeedKeyDoc.find({"tenant": settings.platform_tenant, "alg": ALG}).to_list()
    any_signing = any(signs_at(d, now) for d in docs)
    activates = (
        now if (immediate or not any_signing) else now + settings.key_activation_seconds * 1000
    )
    doc = FeedKeyDoc(
        id=jwk["kid"], tenant=settings.platform_tenant, alg=ALG, public_jwk=jwk,
        private_enc=encrypt_text(settings, _pem(private)), created_at=now, activates_at=activates,
    )  # fmt: skip
    await doc.insert()
    # the key that signs newest keeps signing beside the new one for the overlap; any
    # older ones stop when the new one starts (so at most two sign at a time)
    overlap_until = activates + settings.feed_key_overlap_seconds * 1000
    signing = [d for d in docs if signs_at(d, now)]
    newest = max(signing, key=lambda d: (d.activates_at, d.created_at), default=None)
    for old in docs:
        retire = overlap_until if old is newest else min(activates, old.retired_at or activates)
        if old.retired_at is None or old.retired_at > retire:
            await FeedKeyDoc.get_pymongo_collection().update_one(
                {"_id": old.id, "tenant": settings.platform_tenant},
                {"$set": {"retired_at": retire}},
            )
    _forget()
    return PartnerKey(doc.id, private, jwk)


async def signing_keys(settings: Settings) -> list[PartnerKey]:
    """The keys that sign now, newest first: one, or two during a rotation. Creates the
    first key if there is none."""
    now = now_ms()
    docs = [d for d in await _docs(settings) if signs_at(d, now)]
    if not docs:
        _forget()
        docs = [d for d in await _docs(settings) if signs_at(d, now)]
        if not docs:
            await rotate(settings, immediate=True)
            docs = [d for d in await _docs(settings) if signs_at(d, now_ms())]
    docs.sort(key=lambda d: (d.activates_at, d.created_at), reverse=True)
    return [_load(settings, d) for d in docs]


async def jwks(settings: Settings) -> dict[str, Any]:
    """The public JWK Set partners verify with: keys that sign, will sign soon, or signed
    recently (OKP/Ed25519, alg EdDSA, use sig), the most recently created first."""
    await signing_keys(settings)  # there is always at least one
    now = now_ms()
    docs = [
        d for d in await _docs(settings) if published_at(d, now, settings.feed_key_overlap_seconds)
    ]
    docs.sort(key=lambda d: (d.created_at, d.activates_at), reverse=True)
    return {"keys": [dict(d.public_jwk) for d in docs]}
