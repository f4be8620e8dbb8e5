"""SM2 signatures over SM3 digests (GB/T 32918, GY/T 389), for plugins, the hub and
partners alike.

A signature is SM2 over SM3(Z_A ‖ data), Z_A with the default user id
`1234567812345678`, as the 64 bytes r‖s. Keys are hex: the private scalar (64 digits)
and the public point x‖y (128 digits).

The curve arithmetic is this module's own, on Python integers (below); it was gmssl
3.2's, which this module worked around, and the tests still check each side verifies the
other's signatures (tests/unit/test_sm2_nonces.py):
- gmssl's `func.random_hex` draws from Python's `random` (Mersenne Twister), whose output
  can be predicted from earlier output; a predictable nonce gives away the private
  key. Keys and nonces here come from the OS's CSPRNG (`secrets`), uniform in [1, n-1];
- it reads a public key whose hex begins with "04" wrongly (`lstrip("04")`), so no key
  made here begins so (`new_key`); every signature is still verified before it is
  returned, so a bad one never leaves the process;
- its SM3 is pure Python (about 25 ms of CPU for 2 KB): the digest SM3(Z_A ‖ data) is
  taken once per signature, by OpenSSL through `cryptography` (a dependency), and Z_A
  once per public key;
- its points were hexadecimal strings: a signature (its sign and the check of it, three
  point multiplications) took 20–25 ms of CPU, about 2 ms here (issue 15: an emergency
  broadcast package is signed on the way of every approved story to 应急广播).
"""

from __future__ import annotations

import functools
import secrets

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


def secure_scalar_hex() -> str:
    """A uniformly random scalar in [1, n-1] as 64 hex digits, from the OS's CSPRNG."""
    return format(secrets.randbelow(N - 1) + 1, "064x")


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
    """The public point x‖y (128 hex digits) of a private key; "" for a scalar that is no key."""
    try:
        d = int(private_hex, 16)
    except (TypeError, ValueError):
        return ""
    if not 1 <= d < N:
        return ""
    x, y = _base_times(d)
    return f"{x:064x}{y:064x}"


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
    """GB/T 32918.2 7.1: t = r + s, (x1, y1) = s·G + t·P_A, valid when (e + x1) mod n = r."""
    r, sig_s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= sig_s < N):
        return False
    t = (r + sig_s) % N
    if t == 0:
        return False
    point = _point_of(public_hex)
    if point is None:
        return False
    total = _add(_jacobian_base_times(sig_s), _times(t, point))
    if total[2] == 0:
        return False
    x1, _ = _affine(total)
    return (int.from_bytes(e, "big") + x1) % N == r


def sign(data: bytes, private_hex: str, public_hex: str | None = None) -> bytes:
    """The signature (r‖s, 64 bytes) of `data`, checked against the public key."""
    public = public_hex or _public_key_cached(private_hex)
    d = int(private_hex, 16)
    if not 1 <= d < N - 1:  # (1 + d) must be invertible
        raise RuntimeError("SM2 signing failed: the private key is out of range")
    e = int.from_bytes(digest(data, public), "big")
    inverse = pow(1 + d, -1, N)
    for _ in range(32):
        k = secrets.randbelow(N - 1) + 1  # GB/T 32918.2 6.1, from the OS's CSPRNG
        x1, _ = _base_times(k)
        r = (e + x1) % N
        if r == 0 or r + k == N:
            continue
        sig_s = inverse * (k - r * d) % N
        if sig_s == 0:
            continue
        sig = r.to_bytes(32, "big") + sig_s.to_bytes(32, "big")
        if _verify_digest(e.to_bytes(32, "big"), sig, public):
            return sig
    raise RuntimeError("SM2 signing failed repeatedly (is the key pair consistent?)")


def new_key() -> tuple[str, str]:
    """A fresh key pair (private hex, public hex) that signs and verifies. A public key
    whose hex begins with "04" is drawn again: gmssl (a partner's verifier, this SDK's
    older releases) strips leading '0's and '4's from such a key, taking them for the
    uncompressed-point prefix, and then verifies nothing under it (the "1 in 100 draws
    yield no point" of earlier releases of this module)."""
    for _ in range(32):
        private = secure_scalar_hex()
        public = public_key(private)
        if public and not public.startswith("04"):
            try:
                sign(_PROBE, private, public)
            except RuntimeError:
                continue
            return private, public
    raise RuntimeError("could not draw an SM2 key")


# ---- the curve (GB/T 32918.5), in integers ------------------------------------------------
# gmssl computed on hexadecimal strings: three point multiplications per signature (its
# sign, and its verify of it) took about 20 ms of CPU; here a multiple of the base point
# is a sum of 64 precomputed points (no doubling), and the one multiple of a public key a
# check needs is a 4-bit window (about 1 ms and 3 ms).

_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_A = _P - 3
_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_G = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)
_Jacobian = tuple[int, int, int]  # (X, Y, Z): x = X/Z², y = Y/Z³; Z = 0 is the point at infinity
_INFINITY: _Jacobian = (1, 1, 0)


def _double(pt: _Jacobian) -> _Jacobian:
    x, y, z = pt
    if z == 0 or y == 0:
        return _INFINITY
    delta = z * z % _P
    gamma = y * y % _P
    beta = x * gamma % _P
    alpha = 3 * (x - delta) * (x + delta) % _P  # a = -3
    x3 = (alpha * alpha - 8 * beta) % _P
    z3 = ((y + z) ** 2 - gamma - delta) % _P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % _P
    return (x3, y3, z3)


def _add(p1: _Jacobian, p2: _Jacobian) -> _Jacobian:
    if p1[2] == 0:
        return p2
    if p2[2] == 0:
        return p1
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    z1z1, z2z2 = z1 * z1 % _P, z2 * z2 % _P
    u1, u2 = x1 * z2z2 % _P, x2 * z1z1 % _P
    s1, s2 = y1 * z2 * z2z2 % _P, y2 * z1 * z1z1 % _P
    h = (u2 - u1) % _P
    rr = (s2 - s1) % _P
    if h == 0:
        return _double(p1) if rr == 0 else _INFINITY
    hh = h * h % _P
    hhh = h * hh % _P
    v = u1 * hh % _P
    x3 = (rr * rr - hhh - 2 * v) % _P
    y3 = (rr * (v - x3) - s1 * hhh) % _P
    z3 = z1 * z2 * h % _P
    return (x3, y3, z3)


def _affine(pt: _Jacobian) -> tuple[int, int]:
    x, y, z = pt
    zi = pow(z, -1, _P)
    zi2 = zi * zi % _P
    return (x * zi2 % _P, y * zi2 * zi % _P)


@functools.cache
def _base_table() -> list[list[_Jacobian]]:
    """j · 16^i · G for i < 64, j < 16 (built once, about 30 ms of CPU)."""
    rows: list[list[_Jacobian]] = []
    step: _Jacobian = (_G[0], _G[1], 1)
    for _ in range(64):
        row = [_INFINITY, step]
        for _ in range(14):
            row.append(_add(row[-1], step))
        rows.append(row)
        step = _add(row[15], step)  # 16 · step
    return rows


def _jacobian_base_times(k: int) -> _Jacobian:
    table = _base_table()
    acc = _INFINITY
    for i in range(64):
        nibble = (k >> (4 * i)) & 0xF
        if nibble:
            acc = _add(acc, table[i][nibble])
    return acc


def _base_times(k: int) -> tuple[int, int]:
    """k·G, affine (k in [1, n-1]: never the point at infinity)."""
    return _affine(_jacobian_base_times(k))


def _times(k: int, point: tuple[int, int]) -> _Jacobian:
    """k·point, by 4-bit windows."""
    base: _Jacobian = (point[0], point[1], 1)
    window = [_INFINITY, base]
    for _ in range(14):
        window.append(_add(window[-1], base))
    acc = _INFINITY
    for shift in range(252, -1, -4):
        for _ in range(4):
            acc = _double(acc)
        nibble = (k >> shift) & 0xF
        if nibble:
            acc = _add(acc, window[nibble])
    return acc


def _point_of(public_hex: str) -> tuple[int, int] | None:
    """The public key's point, None unless it is a point of the curve."""
    try:
        x, y = int(public_hex[:64], 16), int(public_hex[64:], 16)
    except ValueError:
        return None
    if not (0 <= x < _P and 0 <= y < _P) or (y * y - x * x * x - _A * x - _B) % _P != 0:
        return None
    return (x, y)
