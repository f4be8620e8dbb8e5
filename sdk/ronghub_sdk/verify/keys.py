"""Public keys: parsing (`whpk_…`, JWK) and fetching the hub's JWKS with caching.

`JwksClient` (sync) and `AsyncJwksClient` fetch `https://<hub>/feeds/jwks.json`, keep the
keys for the response's `Cache-Control: max-age` (or `default_ttl_s` without one), and
fetch again once when a signature names a `kid` they do not know (a rotation), at most
once per `min_refetch_s` so forged kids cannot make the verifier hammer the hub. When a
refresh fails and keys are cached, the cached keys keep working.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from cryptography.exceptions import InvalidSignature as _CryptoInvalid
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ronghub_sdk.verify.errors import KeyFetchError, UnknownKey

PUBLIC_PREFIX = "whpk_"


@dataclass(frozen=True)
class VerifyKey:
    """One public key: Ed25519 (`public`), or SM2 (`sm2_hex`, x‖y as 128 hex digits).
    `kid` is None for a bare `whpk_` or hex key."""

    kid: str | None
    public: Ed25519PublicKey | None = None
    sm2_hex: str | None = None

    @property
    def alg(self) -> str:
        return "sm2-sm3" if self.sm2_hex else "ed25519"

    def verifies(self, signature: bytes, message: bytes) -> bool:
        if self.sm2_hex is not None:
            return sm2_verifies(self.sm2_hex, signature, message)
        if self.public is None or len(signature) != 64:
            return False
        try:
            self.public.verify(signature, message)
        except _CryptoInvalid:
            return False
        return True


def sm2_verifies(public_hex: str, signature: bytes, message: bytes) -> bool:
    """SM2 over SM3(Z_A ‖ message), Z_A with the default id 1234567812345678; r‖s, 64 bytes."""
    from ronghub_sdk import sm2

    return sm2.verify(message, signature, public_hex)


def sm2_key(public_hex: str, kid: str | None = None) -> VerifyKey:
    """An SM2 public key from hex x‖y (a leading 04 is dropped)."""
    text = public_hex.strip().lower()
    if len(text) == 130 and text.startswith("04"):
        text = text[2:]
    if len(text) != 128:
        raise ValueError("an SM2 public key is 64 bytes x‖y (128 hex digits)")
    bytes.fromhex(text)
    return VerifyKey(kid, sm2_hex=text)


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def key_from_jwk(jwk: Mapping[str, Any]) -> VerifyKey:
    """An Ed25519 JWK (`kty` OKP, `crv` Ed25519) or an SM2 one (`kty` EC, `crv` SM2) as a
    key; ValueError for anything else."""
    if jwk.get("kty") == "EC" and jwk.get("crv") == "SM2":
        try:
            raw = _b64url(str(jwk["x"])) + _b64url(str(jwk["y"]))
        except (KeyError, binascii.Error, ValueError) as exc:
            raise ValueError("SM2 JWK needs base64url x and y") from exc
        kid = jwk.get("kid")
        return sm2_key(raw.hex(), str(kid) if kid is not None else None)
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ValueError("not an Ed25519 public JWK")
    try:
        raw = _b64url(jwk["x"])
    except (binascii.Error, ValueError) as exc:
        raise ValueError("JWK x is not base64url") from exc
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    kid = jwk.get("kid")
    return VerifyKey(
        str(kid) if kid is not None else None, public=Ed25519PublicKey.from_public_bytes(raw)
    )


def parse_public_key(value: str | Mapping[str, Any] | Ed25519PublicKey | VerifyKey) -> VerifyKey:
    """A key from `whpk_<base64 of the 32 raw bytes>`, a JWK (dict or JSON text), or a key object."""
    if isinstance(value, VerifyKey):
        return value
    if isinstance(value, Ed25519PublicKey):
        return VerifyKey(None, public=value)
    if isinstance(value, Mapping):
        return key_from_jwk(value)
    text = value.strip()
    if text.startswith("{"):
        return key_from_jwk(json.loads(text))
    try:
        raw = base64.b64decode(text.removeprefix(PUBLIC_PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a whpk_ key is standard base64") from exc
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return VerifyKey(None, public=Ed25519PublicKey.from_public_bytes(raw))


def keys_from_jwks(document: Mapping[str, Any]) -> list[VerifyKey]:
    """The Ed25519 and SM2 keys of a JWKS document; keys of other types are skipped."""
    raw_keys = document.get("keys")
    if not isinstance(raw_keys, list):
        raise ValueError("a JWKS has a `keys` list")
    keys: list[VerifyKey] = []
    for jwk in raw_keys:
        if isinstance(jwk, Mapping) and jwk.get("use", "sig") == "sig":
            try:
                keys.append(key_from_jwk(jwk))
            except ValueError:
                continue
    return keys


_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?", re.IGNORECASE)


def cache_seconds(cache_control: str | None, default: float) -> float:
    """How long a JWKS response may be kept: `max-age`, 0 for no-store/no-cache, else `default`."""
    if not cache_control:
        return default
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return 0.0
    match = _MAX_AGE.search(lowered)
    return float(match.group(1)) if match else default


class KeySource(Protocol):
    """Where a sync verifier gets keys: `kid=None` means every current key."""

    def keys(self, kid: str | None = None) -> list[VerifyKey]: ...


class AsyncKeySource(Protocol):
    async def keys(self, kid: str | None = None) -> list[VerifyKey]: ...


class StaticKeys:
    """Keys given up front (a `whpk_` string, JWKs, or a JWKS document). Sync and async."""

    def __init__(
        self, keys: Iterable[str | Mapping[str, Any] | Ed25519PublicKey | VerifyKey]
    ) -> None:
        self._keys = [parse_public_key(k) for k in keys]

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> StaticKeys:
        return cls(keys_from_jwks(document))

    def select(self, kid: str | None) -> list[VerifyKey]:
        if kid is None:
            return list(self._keys)
        found = [k for k in self._keys if k.kid == kid]
        if not found:
            raise UnknownKey(f"no key with kid {kid!r}")
        return found

    def keys(self, kid: str | None = None) -> list[VerifyKey]:
        return self.select(kid)


class _JwksCache:
    """The caching rules, without I/O: shared by the sync and async clients."""

    def __init__(
        self, default_ttl_s: float, min_refetch_s: float, clock: Callable[[], float]
    ) -> None:
        self.default_ttl_s = default_ttl_s
        self.min_refetch_s = min_refetch_s
        self.clock = clock
        self.keys: list[VerifyKey] = []
        self.fetched = False
        self.expires_at = 0.0
        self.last_attempt = float("-inf")

    def fresh(self) -> bool:
        return self.fetched and self.clock() < self.expires_at

    def may_refetch(self) -> bool:
        return self.clock() - self.last_attempt >= self.min_refetch_s

    def attempted(self) -> None:
        self.last_attempt = self.clock()

    def store(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            raise KeyFetchError(f"JWKS answered HTTP {response.status_code}")
        try:
            keys = keys_from_jwks(response.json())
        except ValueError as exc:
            raise KeyFetchError(f"JWKS is not a key set: {exc}") from exc
        self.keys = keys
        self.fetched = True
        self.expires_at = self.clock() + cache_seconds(
            response.headers.get("cache-control"), self.default_ttl_s
        )

    def failed(self, exc: Exception) -> None:
        if not self.fetched:
            raise (
                exc
                if isinstance(exc, KeyFetchError)
                else KeyFetchError(f"cannot fetch JWKS: {exc!r}")
            )
        # keep serving the keys we have; try again after min_refetch_s

    def lookup(self, kid: str | None) -> list[VerifyKey] | None:
        if kid is None:
            return list(self.keys)
        found = [k for k in self.keys if k.kid == kid]
        return found or None


class JwksClient:
    """Sync JWKS fetcher with caching (see the module doc). Thread-safe."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.Client | None = None,
        timeout_s: float = 10.0,
        default_ttl_s: float = 300.0,
        min_refetch_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._client = client
        self._timeout_s = timeout_s
        self._cache = _JwksCache(default_ttl_s, min_refetch_s, clock)
        self._lock = threading.Lock()
        self.fetches = 0

    def _fetch(self) -> None:
        self._cache.attempted()
        self.fetches += 1
        try:
            if self._client is not None:
                response = self._client.get(self.url)
            else:
                with httpx.Client(timeout=self._timeout_s) as client:
                    response = client.get(self.url)
            self._cache.store(response)
        except (httpx.HTTPError, KeyFetchError, ValueError) as exc:
            self._cache.failed(exc)

    def keys(self, kid: str | None = None) -> list[VerifyKey]:
        with self._lock:
            if not self._cache.fresh() and (not self._cache.fetched or self._cache.may_refetch()):
                self._fetch()
            found = self._cache.lookup(kid)
            if found is None and self._cache.may_refetch():
                self._fetch()
                found = self._cache.lookup(kid)
        if found is None:
            raise UnknownKey(f"no key with kid {kid!r} in {self.url}")
        return found


class AsyncJwksClient:
    """Async JWKS fetcher with caching (see the module doc)."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        timeout_s: float = 10.0,
        default_ttl_s: float = 300.0,
        min_refetch_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._client = client
        self._timeout_s = timeout_s
        self._cache = _JwksCache(default_ttl_s, min_refetch_s, clock)
        self._lock: asyncio.Lock | None = None
        self.fetches = 0

    async def _fetch(self) -> None:
        self._cache.attempted()
        self.fetches += 1
        try:
            if self._client is not None:
                response = await self._client.get(self.url)
            else:
                async with httpx.AsyncClient(timeout=self._timeout_s) as client:
                    response = await client.get(self.url)
            self._cache.store(response)
        except (httpx.HTTPError, KeyFetchError, ValueError) as exc:
            self._cache.failed(exc)

    async def keys(self, kid: str | None = None) -> list[VerifyKey]:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._cache.fresh() and (not self._cache.fetched or self._cache.may_refetch()):
                await self._fetch()
            found = self._cache.lookup(kid)
            if found is None and self._cache.may_refetch():
                await self._fetch()
                found = self._cache.lookup(kid)
        if found is None:
            raise UnknownKey(f"no key with kid {kid!r} in {self.url}")
        return found
