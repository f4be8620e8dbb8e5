"""SM2/SM3 partner keys, for government partners that require the national algorithms.

A subscription with `signature_algorithm: sm2` gets `alg="sm2-sm3"` feed signatures, and
a webhook endpoint with `sm2` an `sm2,` entry: SM2 over SM3(Z ‖ signed content), Z with
the default user id `1234567812345678` (GB/T 32918), the signature the 64 bytes r‖s. The
keys (platform-wide, the first made on first use, private half encrypted at rest) are
rotated like the Ed25519 ones (hub/signing/keys.py, `ronghub feeds rotate-key --alg sm2`)
and published in /feeds/jwks.json as
`{"kty": "EC", "crv": "SM2", "x", "y", "alg": "SM2-SM3", "use": "sig", "kid"}` with
`kid` its RFC 7638 thumbprint (members crv, kty, x, y).

The primitives (CSPRNG nonces, keys that round-trip, signatures checked before they
leave) are `ronghub_sdk.sm2`, shared with the 应急广播 plugin and the partner SDK.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from ronghub_sdk.sm2 import new_key, sign

from hub.signing.keykinds import SM2, b64url, thumbprint


def jwk(public_hex: str) -> dict[str, Any]:
    raw = bytes.fromhex(public_hex)
    members = {"crv": "SM2", "kty": "EC", "x": b64url(raw[:32]), "y": b64url(raw[32:])}
    return {**members, "kid": thumbprint(members), "alg": "SM2-SM3", "use": "sig"}


def public_hex_of(key: dict[str, Any]) -> str:
    pad = "=" * (-len(key["x"]) % 4)
    return (
        base64.urlsafe_b64decode(key["x"] + pad) + base64.urlsafe_b64decode(key["y"] + pad)
    ).hex()


class _Sm2:
    """The SM2 key kind of hub/signing/keys.py: private scalar as hex, public x‖y as JWK."""

    alg = SM2

    def generate(self) -> tuple[str, dict[str, Any]]:
        private, public = new_key()
        return private, jwk(public)

    def signer(self, private: str, public_jwk: dict[str, Any]) -> Callable[[bytes], bytes]:
        public = public_hex_of(public_jwk)
        return lambda data: sign(data, private, public)


KIND = _Sm2()
