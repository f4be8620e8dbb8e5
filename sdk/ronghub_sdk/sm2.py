"""SM2 signatures over SM3 digests (GB/T 32918, GY/T 389), for plugins, the hub and
partners alike: the one place Ronghub touches `gmssl` (the `sm2` extra).

A signature is SM2 over SM3(Z_A ‖ data), Z_A with the default user id
`1234567812345678`, as the 64 bytes r‖s. Keys are hex: the private scalar (64 digits)
and the public point x‖y (128 digits).

Two things about gmssl 3.2 that this module takes care of:
- its `func.random_hex` draws from Python's `random` (Mersenne Twister), whose output
  can be predicted from earlier output; a predictable nonce gives away the private
  key. Keys and nonces here come from the OS's CSPRNG (`secrets`), uniform in [1, n-1];
- its point multiplication occasionally yields no point (about 1 in 100 draws): keys
  are drawn until they round-trip, and every signature is verified before it is
  returned, so a bad draw never leaves the process;
- its SM3 is pure Python (about 25 ms of CPU for 2 KB, hashed again by the check of
  every signature): the digest SM3(Z_A ‖ data) is taken once per signature, by OpenSSL
  through `cryptography` (a dependency), and Z_A once per public key. A signature of an
  emergency broadcast package took 58 ms of CPU, now about a third of that.
"""

from __future__ import annotations

import functools
import secrets
from typing import Any

from cryptography.hazmat.primitives import hashes

#: The order of the SM2 curve's base point (GB/T 32918.5).
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
_PROBE = b"ronghub-sm2-probe"
#: ENTL ‖ ID of the default user id `1234567812345678`, then the curve's a, b, xG, yG (Z_A's fixed part).
_Z_PREFIX = bytes.fromhex(
    "0080"
    + "31323334353637383132333435363738"
    + "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"
    + "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"
    + "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
    + "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"
)


def _gmssl_sm2() -> Any:
    try:
        from gmssl import sm2
    except ImportError as exc:  # pragma: no cover - depends on the installed extra
        raise RuntimeError("SM2 needs gmssl: pip install 'ronghub-sdk[sm2]'") from exc
    return sm2


def secure_scalar_hex() -> str:
    """A uniformly random scalar in [1, n-1] as 64 hex digits, from the OS's CSPRNG."""
    return format(secrets.randbelow(N - 1) + 1, "064x")


def _crypt(private_hex: str, public_hex: str) -> Any:
    crypt = _gmssl_sm2().CryptSM2(private_key=private_hex, public_key="")
    # Set after construction: gmssl's constructor `lstrip("04")`s a key that begins with
    # 04, which removes every leading 0 and 4, so such a key (1 in 256) was misread: a
    # signature under it failed, or a wrong one passed.
    crypt.public_key = public_hex
    return crypt


def sm3(data: bytes) -> bytes:
    """The SM3 digest of `data` (OpenSSL's, through `cryptography`)."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


@functools.lru_cache(maxsize=64)
def _z(public_hex: str) -> bytes:
    """Z_A of a public key with the default user id (GB/T 32918.2 5.5)."""
    return sm3(_Z_PREFIX + bytes.fromhex(public_hex))


def digest(data: bytes, public_hex: str) -> bytes:
    """e = SM3(Z_A ‖ data): what an SM2 signature of `data` under the key signs."""
    return sm3(_z(public_hex) + data)


def public_key(private_hex: str) -> str:
    """The public point x‖y (128 hex digits) of a private key; "" if gmssl yields none."""
    sm2 = _gmssl_sm2()
    out = _crypt(private_hex, "")._kg(int(private_hex, 16), sm2.default_ecc_table["g"])
    return out if isinstance(out, str) and len(out) == 128 else ""


@functools.lru_cache(maxsize=16)
def _public_key_cached(private_hex: str) -> str:
    """`public_key`, remembered: a signer signs with one key again and again (a point
    multiplication, 7 ms of CPU, each time)."""
    public = public_key(private_hex)
    if not public:
        raise RuntimeError("SM2 signing failed: no public point for this private key")
    return public


def verify(data: bytes, signature: bytes, public_hex: str) -> bool:
    """True when `signature` (r‖s, 64 bytes) is a valid signature of `data` under the key."""
    if not isinstance(public_hex, str) or len(public_hex) != 128 or len(signature) != 64:
        return False
    try:
        return _verify_digest(digest(data, public_hex), signature, public_hex)
    except (ValueError, TypeError):
        return False


def _verify_digest(e: bytes, signature: bytes, public_hex: str) -> bool:
    return bool(_crypt("00" * 32, public_hex).verify(signature.hex(), e))


def sign(data: bytes, private_hex: str, public_hex: str | None = None) -> bytes:
    """The signature (r‖s, 64 bytes) of `data`, checked against the public key."""
    public = public_hex or _public_key_cached(private_hex)
    crypt = _crypt(private_hex, public)
    e = digest(data, public)
    for _ in range(32):
        sig = crypt.sign(e, secure_scalar_hex())
        if sig and len(sig) == 128 and _verify_digest(e, bytes.fromhex(sig), public):
            return bytes.fromhex(sig)
    raise RuntimeError("SM2 signing failed repeatedly (is the key pair consistent?)")


def new_key() -> tuple[str, str]:
    """A fresh key pair (private hex, public hex) that signs and verifies."""
    for _ in range(32):
        private = secure_scalar_hex()
        public = public_key(private)
        if public:
            try:
                sign(_PROBE, private, public)
            except RuntimeError:
                continue
            return private, public
    raise RuntimeError("could not draw an SM2 key")
