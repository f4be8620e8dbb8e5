"""Password and client-secret hashing (argon2id)."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, t=3)
# Verified against when the user does not exist, so both paths cost the same. Made by
# `warm` (the hub's start-up) or at the first verify, not at import: a hash at the
# production cost is ~0.2 CPU-s, which every process importing the hub paid (each CLI
# command, each test hub) and threw away when `configure` set another cost.
_DUMMY: str | None = None


def configure(memory_kib: int, time_cost: int) -> None:
    """Set the process's hashing cost (new hashes only; old ones verify with their own)."""
    global _hasher, _DUMMY
    if (_hasher.memory_cost, _hasher.time_cost) == (memory_kib, time_cost):
        return
    _hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost)
    _DUMMY = None


async def warm() -> None:
    """Make the unknown-user hash now (off the event loop), so the first sign-in of a user
    who does not exist costs what every other does."""
    await asyncio.to_thread(_dummy)


def _dummy() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = _hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY


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
        return _hasher.verify(stored or _dummy(), secret) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
