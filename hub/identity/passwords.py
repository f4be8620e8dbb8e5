"""Password and client-secret hashing (argon2id)."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, t=3)
# Verified against when the user does not exist, so both paths cost the same.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def configure(memory_kib: int, time_cost: int) -> None:
    """Set the process's hashing cost (new hashes only; old ones verify with their own)."""
    global _hasher, _DUMMY
    if (_hasher.memory_cost, _hasher.time_cost) == (memory_kib, time_cost):
        return
    _hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost)
    _DUMMY = _hasher.hash(secrets.token_urlsafe(16))


async def hash_secret_async(secret: str) -> str:
    """`hash_secret` off the event loop (argon2 is deliberately slow)."""
    return await asyncio.to_thread(hash_secret, secret)


async def verify_secret_async(stored: str | None, secret: str) -> bool:
    """`verify_secret` off the event loop."""
    return await asyncio.to_thread(verify_secret, stored, secret)


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
