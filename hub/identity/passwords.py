"""Password and client-secret hashing (argon2id) and the sign-in lockout rule."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
# Verified against when the user does not exist, so both paths cost the same.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    """True if `secret` matches `stored`; constant work when `stored` is None."""
    try:
        return _hasher.verify(stored or _DUMMY, secret) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def lockout_after_failure(failures: int, max_failures: int, now: int, lockout_ms: int) -> tuple[int, int]:
    """(failed count, locked-until ms) after one more failed sign-in."""
    failures += 1
    if failures >= max_failures:
        return 0, now + lockout_ms
    return failures, 0
