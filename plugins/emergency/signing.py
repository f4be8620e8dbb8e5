"""SM2 signatures over SM3 digests (GY/T 389) for 应急广播 messages.

The primitives are `ronghub_sdk.sm2` (CSPRNG nonces, keys that round-trip, every
signature verified before it is returned); this module speaks the message format's
encoding: base64 of the 64-byte r‖s.
"""

from __future__ import annotations

import base64
import binascii

from ronghub_sdk import sm2


def public_key_for(private_key_hex: str) -> str:
    """The SM2 public key (uncompressed x||y hex) of a private key."""
    return sm2.public_key(private_key_hex)


def new_private_key() -> str:
    """A fresh random SM2 private key (hex) with a usable public key."""
    return sm2.new_key()[0]


def sign(data: bytes, private_key_hex: str) -> str:
    """Base64 of the SM2 signature over SM3(Z || data) (r||s, 64 bytes)."""
    return base64.b64encode(sm2.sign(data, private_key_hex)).decode()


def verify(data: bytes, signature_b64: str, public_key_hex: str) -> bool:
    """True when `signature_b64` is a valid SM2/SM3 signature of `data` under the key."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (ValueError, binascii.Error):
        return False
    return sm2.verify(data, signature, public_key_hex)
