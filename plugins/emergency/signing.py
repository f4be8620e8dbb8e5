"""SM2 signatures over SM3 digests (GY/T 389) with the `gmssl` package.

gmssl 3.2's point multiplication occasionally fails for a scalar (about 1 in 100 in
our runs: it returns no point, so a key or a signature comes out unusable). We
therefore draw keys until the public key is well-formed and sign with fresh random K
until the signature verifies, so a bad draw never leaves the hub; a configured key
that cannot produce a verifiable signature is refused (RuntimeError).
"""

from __future__ import annotations

import base64
import binascii
import secrets

from gmssl import sm2

#: The order of the SM2 curve's base point (GB/T 32918.5).
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


def secure_scalar_hex() -> str:
    """A uniformly random scalar in [1, n-1] as 64 hex digits, from the OS's CSPRNG.

    Used for private keys and for every signature's nonce: gmssl's own `func.random_hex`
    draws from Python's `random` (Mersenne Twister), whose output can be predicted from
    earlier output, and a predictable SM2 nonce gives away the private key."""
    return format(secrets.randbelow(SM2_N - 1) + 1, "064x")

def _crypt(private_key_hex: str, public_key_hex: str) -> sm2.CryptSM2:
    return sm2.CryptSM2(private_key=private_key_hex, public_key=public_key_hex)


def public_key_for(private_key_hex: str) -> str:
    """The SM2 public key (uncompressed x||y hex) of a private key."""
    crypt = _crypt(private_key_hex, "")
    return crypt._kg(int(private_key_hex, 16), sm2.default_ecc_table["g"])


def new_private_key() -> str:
    """A fresh random SM2 private key (hex) with a usable public key."""
    for _ in range(32):
        key = secure_scalar_hex()
        public = public_key_for(key)
        if isinstance(public, str) and len(public) == 128 and _round_trips(key, public):
            return key
    raise RuntimeError("could not draw an SM2 key")


def _round_trips(key: str, public: str) -> bool:
    crypt = _crypt(key, public)
    probe = b"ronghub-sm2-probe"
    return any(
        verify(probe, base64.b64encode(bytes.fromhex(sig)).decode(), public)
        for sig in (crypt.sign_with_sm3(probe, secure_scalar_hex()) for _ in range(4))
        if sig and len(sig) == 128
    )


def sign(data: bytes, private_key_hex: str) -> str:
    """Base64 of the SM2 signature over SM3(Z || data) (r||s, 64 bytes)."""
    public = public_key_for(private_key_hex)
    crypt = _crypt(private_key_hex, public)
    for _ in range(32):
        signature_hex = crypt.sign_with_sm3(data, secure_scalar_hex())
        if signature_hex and len(signature_hex) == 128:
            signature = base64.b64encode(bytes.fromhex(signature_hex)).decode()
            if verify(data, signature, public):
                return signature
    raise RuntimeError("SM2 signing failed repeatedly")


def verify(data: bytes, signature_b64: str, public_key_hex: str) -> bool:
    """True when `signature_b64` is a valid SM2/SM3 signature of `data` under the key."""
    if not isinstance(public_key_hex, str) or len(public_key_hex) != 128:
        return False
    crypt = _crypt("00" * 32, public_key_hex)
    try:
        return bool(crypt.verify_with_sm3(base64.b64decode(signature_b64).hex(), data))
    except (ValueError, TypeError, binascii.Error):
        return False
