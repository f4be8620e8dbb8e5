"""Partner signing keys: the pairs that sign feed responses (RFC 9421) and webhook
deliveries, encrypted at rest, rotated with an activation delay, published as JWKS.

Two kinds of key, rotated the same way: Ed25519 (RFC 9421 `ed25519`, webhook `v1a`; the
default) and SM2/SM3 (`sm2-sm3`, webhook `sm2`; for government partners, see
hub/signing/sm2.py). A kind says how to make a pair, how to publish its public half and
how to sign; everything else here is common.

Like the token keys (hub/identity/keys.py): the kid is the RFC 7638 thumbprint of the public
JWK, the private half is stored encrypted (`encrypt_text`). `rotate` adds a key that is
published at once and signs from `key_activation_seconds` later (at once with
`immediate`); the keys it replaces keep signing for `feed_key_overlap_seconds` after
that, so during a rotation every response carries two signatures (new key first) and a
partner holding either key verifies. A retired key stays in the JWKS for another
`feed_key_overlap_seconds`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.identity.keys import decrypt_text, encrypt_text
from hub.ids import now_ms
from hub.settings import Settings
from hub.signing.key_documents import FeedKeyDoc as FeedKeyDoc
from hub.signing.keykinds import ED25519 as ED25519
from hub.signing.keykinds import SM2 as SM2
from hub.signing.keykinds import KeyKind, b64url
from hub.signing.keykinds import thumbprint as thumbprint
from hub.signing.sm2 import KIND as SM2_KIND
from hub.store.tenanted import Tenanted

ALG = ED25519
JWKS_CACHE_SECONDS = 300


class _Ed25519:
    alg = ED25519

    def generate(self) -> tuple[str, dict[str, Any]]:
        private = Ed25519PrivateKey.generate()
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        jwk: dict[str, Any] = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return pem, {**jwk, "kid": thumbprint(jwk), "alg": "EdDSA", "use": "sig"}

    def signer(self, private: str, public_jwk: dict[str, Any]) -> Callable[[bytes], bytes]:
        key = serialization.load_pem_private_key(private.encode(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key.sign


def kind(alg: str) -> KeyKind:
    if alg == ED25519:
        return _Ed25519()
    if alg == SM2:
        return SM2_KIND
    raise ValueError(f"unknown partner key algorithm {alg!r}")


@dataclass(frozen=True)
class PartnerKey:
    kid: str
    alg: str
    public_jwk: dict[str, Any]
    signs: Callable[[bytes], bytes] = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        return self.signs(data)


@dataclass
class _Read:
    docs: list[FeedKeyDoc]
    at: float
    tenant: str


class _Cache:
    """Usable keys by kid, and each algorithm's key documents, re-read every
    `key_refresh_seconds`."""

    def __init__(self) -> None:
        self.loaded: dict[str, PartnerKey] = {}
        self.reads: dict[str, _Read] = {}


_cache = _Cache()


def _forget() -> None:
    _cache.reads.clear()


async def _docs(settings: Settings, alg: str) -> list[FeedKeyDoc]:
    read = _cache.reads.get(alg)
    if (
        read is not None
        and read.tenant == settings.platform_tenant
        and time.monotonic() - read.at < settings.key_refresh_seconds
    ):
        return read.docs
    docs = await FeedKeyDoc.find({"tenant": settings.platform_tenant, "alg": alg}).to_list()
    _cache.reads[alg] = _Read(docs, time.monotonic(), settings.platform_tenant)
    return docs


def _load(settings: Settings, doc: FeedKeyDoc) -> PartnerKey:
    known = _cache.loaded.get(doc.id)
    if known is None:
        private = decrypt_text(settings, doc.private_enc)
        signs = kind(doc.alg).signer(private, dict(doc.public_jwk))
        known = PartnerKey(doc.id, doc.alg, dict(doc.public_jwk), signs)
        _cache.loaded[doc.id] = known
    return known


def signs_at(doc: FeedKeyDoc, now: int) -> bool:
    return doc.activates_at <= now and (doc.retired_at is None or doc.retired_at > now)


def published_at(doc: FeedKeyDoc, now: int, overlap_seconds: int) -> bool:
    return doc.retired_at is None or doc.retired_at + overlap_seconds * 1000 > now


async def rotate(settings: Settings, immediate: bool = False, alg: str = ED25519) -> PartnerKey:
    """Add a new signing key of `alg`: published now, signing after
    `key_activation_seconds` (at once if `immediate` or if no key of `alg` signs yet). The
    key signing until now keeps signing for `feed_key_overlap_seconds` after the new one
    starts; older or never-active keys stop when it starts. So at most two keys of an
    algorithm sign at any time."""
    private, jwk = kind(alg).generate()
    now = now_ms()
    docs = await FeedKeyDoc.find({"tenant": settings.platform_tenant, "alg": alg}).to_list()
    any_signing = any(signs_at(d, now) for d in docs)
    activates = (
        now if (immediate or not any_signing) else now + settings.key_activation_seconds * 1000
    )
    doc = FeedKeyDoc(
        id=jwk["kid"],
        tenant=settings.platform_tenant,
        alg=alg,
        public_jwk=jwk,
        private_enc=encrypt_text(settings, private),
        created_at=now,
        activates_at=activates,
    )
    await doc.insert()
    # the key that signs newest keeps signing beside the new one for the overlap; any
    # older ones stop when the new one starts (so at most two sign at a time)
    overlap_until = activates + settings.feed_key_overlap_seconds * 1000
    signing = [d for d in docs if signs_at(d, now)]
    newest = max(signing, key=lambda d: (d.activates_at, d.created_at), default=None)
    for old in docs:
        retire = overlap_until if old is newest else min(activates, old.retired_at or activates)
        if old.retired_at is None or old.retired_at > retire:
            await Tenanted(FeedKeyDoc, settings.platform_tenant).update_one(
                {"_id": old.id},
                {"$set": {"retired_at": retire}},
            )
    _forget()
    return _load(settings, doc)


async def signing_keys(settings: Settings, alg: str = ED25519) -> list[PartnerKey]:
    """The keys of `alg` that sign now, newest first: one, or two during a rotation.
    Creates the first key of `alg` if there is none (so an SM2 key exists from the first
    subscription or endpoint that asks for SM2)."""
    now = now_ms()
    docs = [d for d in await _docs(settings, alg) if signs_at(d, now)]
    if not docs:
        _forget()
        docs = [d for d in await _docs(settings, alg) if signs_at(d, now)]
        if not docs:
            await rotate(settings, immediate=True, alg=alg)
            docs = [d for d in await _docs(settings, alg) if signs_at(d, now_ms())]
    docs.sort(key=lambda d: (d.activates_at, d.created_at), reverse=True)
    return [_load(settings, d) for d in docs]


async def jwks(settings: Settings) -> dict[str, Any]:
    """The public JWK Set partners verify with: keys that sign, will sign soon, or signed
    recently. Ed25519 keys (OKP, alg EdDSA; there is always one) come first, then SM2 keys
    (EC/SM2, alg SM2-SM3) if SM2 was ever asked for; within each, the most recently
    created first."""
    await signing_keys(settings)  # there is always at least one Ed25519 key
    now = now_ms()
    out: list[dict[str, Any]] = []
    for alg in (ED25519, SM2):
        docs = [
            d
            for d in await _docs(settings, alg)
            if published_at(d, now, settings.feed_key_overlap_seconds)
        ]
        docs.sort(key=lambda d: (d.created_at, d.activates_at), reverse=True)
        out += [dict(d.public_jwk) for d in docs]
    return {"keys": out}
