"""SM2/SM3 response signatures for partners that require the national algorithms.

A subscription with `signature_algorithm: sm2` gets `alg="sm2-sm3"` signatures: SM2
over SM3(Z ‖ signature base), Z computed with the default user id
`1234567812345678` (GB/T 32918), the signature the 64 bytes r‖s, base64 in the
`Signature` field. The key (one per platform, created on first use, private half
encrypted at rest) is published in /feeds/jwks.json as
`{"kty": "EC", "crv": "SM2", "x", "y", "alg": "SM2-SM3", "use": "sig", "kid"}` with
`kid` its RFC 7638 thumbprint (members crv, kty, x, y).

The primitives (CSPRNG nonces, keys that round-trip, signatures checked before they
leave) are `ronghub_sdk.sm2`, shared with the 应急广播 plugin and the partner SDK.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from typing import Any

from pymongo.errors import DuplicateKeyError
from ronghub_sdk.sm2 import new_key, sign

from hub.auth.keys import decrypt_text, encrypt_text
from hub.feeds.documents import FeedKeyDoc
from hub.feeds.keys import b64url
from hub.feeds.signing import Signer
from hub.settings import Settings

ALG = "sm2-sm3"


def jwk(public_hex: str) -> dict[str, Any]:
    raw = bytes.fromhex(public_hex)
    members = {"crv": "SM2", "kty": "EC", "x": b64url(raw[:32]), "y": b64url(raw[32:])}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = b64url(hashlib.sha256(canonical).digest())
    return {
        "kty": "EC",
        "crv": "SM2",
        "x": members["x"],
        "y": members["y"],
        "kid": kid,
        "alg": "SM2-SM3",
        "use": "sig",
    }


def public_hex_of(key: dict[str, Any]) -> str:
    pad = "=" * (-len(key["x"]) % 4)
    return (
        base64.urlsafe_b64decode(key["x"] + pad) + base64.urlsafe_b64decode(key["y"] + pad)
    ).hex()


_loaded: dict[str, tuple[str, str, str]] = {}  # platform tenant -> (kid, private, public)


async def _key(settings: Settings, create: bool) -> tuple[str, str, str] | None:
    known = _loaded.get(settings.platform_tenant)
    if known is not None:
        return known
    doc = await FeedKeyDoc.find_one({"tenant": settings.platform_tenant, "alg": ALG})
    if doc is None:
        if not create:
            return None
        private, public = new_key()
        key = jwk(public)
        doc = FeedKeyDoc(id=key["kid"], tenant=settings.platform_tenant, alg=ALG, public_jwk=key,
                         private_enc=encrypt_text(settings, private))  # fmt: skip
        with contextlib.suppress(DuplicateKeyError):
            await doc.insert()
        doc = await FeedKeyDoc.find_one({"tenant": settings.platform_tenant, "alg": ALG})
        assert doc is not None
    private = decrypt_text(settings, doc.private_enc)
    found = (doc.id, private, public_hex_of(doc.public_jwk))
    _loaded[settings.platform_tenant] = found
    return found


async def signer(settings: Settings) -> Signer:
    """The SM2 signer (the key is created on first use)."""
    found = await _key(settings, create=True)
    assert found is not None
    kid, private, public = found
    return Signer(kid, ALG, lambda data: sign(data, private, public))


async def published(settings: Settings) -> list[dict[str, Any]]:
    """The SM2 public key as a JWK, if one exists."""
    doc = await FeedKeyDoc.find_one({"tenant": settings.platform_tenant, "alg": ALG})
    return [dict(doc.public_jwk)] if doc else []
