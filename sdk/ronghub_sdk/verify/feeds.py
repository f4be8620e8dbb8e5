"""Verifying Ronghub feed responses signed with RFC 9421 HTTP Message Signatures.

Ronghub's profile (every `/feeds/…` response):

    Content-Digest: sha-256=:<base64 SHA-256 of the body>:
    Signature-Input: sig1=("@status" "content-type" "content-digest" "@method";req
        "@target-uri";req);created=<unix>;expires=<created+300>;keyid="<kid>";
        alg="ed25519";tag="ronghub-feed"
    Signature: sig1=:<base64 Ed25519 signature over the RFC 9421 §2.5 signature base>:

During a key rotation a second signature (`sig2`, another keyid) may accompany the
first; one valid signature is enough. The verifier checks the body against
Content-Digest, the covered components, `alg` and `tag`, `created` (not in the future)
and `expires` (not passed), finds the key by `keyid` in the hub's JWKS (fetched again
once on an unknown kid), and verifies the Ed25519 signature.

    keys = JwksClient("https://hub.example/feeds/jwks.json")
    verifier = FeedVerifier(keys)
    response = httpx.get("https://hub.example/feeds/…")
    verifier.verify_response(response)    # raises VerificationError
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from http_sfv import Dictionary, InnerList, Item

from ronghub_sdk.verify.errors import (
    DigestMismatch,
    FutureTimestamp,
    InvalidSignature,
    MalformedHeader,
    MissingHeader,
    ProfileMismatch,
    SignatureExpired,
    UnknownKey,
    VerificationError,
)
from ronghub_sdk.verify.keys import AsyncKeySource, KeySource, VerifyKey

TAG = "ronghub-feed"
ALG = "ed25519"
ALGS = ("ed25519", "sm2-sm3")  # sm2-sm3: subscriptions of government partners that chose SM2
COVERED: tuple[tuple[str, bool], ...] = (
    ("@status", False),
    ("content-type", False),
    ("content-digest", False),
    ("@method", True),
    ("@target-uri", True),
)


@dataclass(frozen=True)
class FeedSignature:
    """The signature that verified."""

    label: str
    kid: str
    created: int
    expires: int


@dataclass(frozen=True)
class _Candidate:
    label: str
    kid: str
    alg: str
    created: int
    expires: int
    base: bytes
    signature: bytes


def _get_all(headers: Mapping[str, str] | httpx.Headers, name: str) -> list[str]:
    if isinstance(headers, httpx.Headers):
        return headers.get_list(name)
    return [v for k, v in headers.items() if k.lower() == name]


def _one(headers: Mapping[str, str] | httpx.Headers, name: str) -> str:
    values = _get_all(headers, name)
    if not values:
        raise MissingHeader(f"missing header {name}")
    return ", ".join(v.strip() for v in values)


def _dictionary(headers: Mapping[str, str] | httpx.Headers, name: str) -> Dictionary:
    parsed = Dictionary()
    try:
        parsed.parse(_one(headers, name).encode())
    except ValueError as exc:
        raise MalformedHeader(f"{name} is not a structured-field dictionary: {exc}") from exc
    return parsed


def check_digest(headers: Mapping[str, str] | httpx.Headers, body: bytes) -> None:
    """Content-Digest must carry sha-256 (and any sha-512) of exactly these bytes."""
    digests = _dictionary(headers, "content-digest")
    if "sha-256" not in digests:
        raise MalformedHeader("Content-Digest has no sha-256 member")
    checks = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
    for algorithm, fn in checks.items():
        if algorithm in digests:
            offered = digests[algorithm].value
            if not isinstance(offered, bytes):
                raise MalformedHeader(f"Content-Digest {algorithm} is not a byte sequence")
            if not hmac.compare_digest(offered, fn(body).digest()):
                raise DigestMismatch(f"Content-Digest {algorithm} does not match the body")


def _component_value(
    item: Item,
    *,
    status: int,
    method: str,
    target_uri: str,
    headers: Mapping[str, str] | httpx.Headers,
) -> str:
    name = item.value
    if name == "@status":
        return str(status)
    if name == "@method":
        return method.upper()
    if name == "@target-uri":
        return target_uri
    if isinstance(name, str) and not name.startswith("@"):
        return _one(headers, name.lower())
    raise ProfileMismatch(f"unsupported covered component {name!r}")


def signature_base(
    components: InnerList,
    *,
    status: int,
    method: str,
    target_uri: str,
    headers: Mapping[str, str] | httpx.Headers,
) -> bytes:
    """The RFC 9421 §2.5 signature base for `components` (the parsed Signature-Input member)."""
    lines = []
    for item in components:
        value = _component_value(
            item, status=status, method=method, target_uri=target_uri, headers=headers
        )
        lines.append(f"{item}: {value}")
    lines.append(f'"@signature-params": {components}')
    return "\n".join(lines).encode()


def _candidates(
    *,
    status: int,
    method: str,
    target_uri: str,
    headers: Mapping[str, str] | httpx.Headers,
    body: bytes,
    tag: str,
    now: float,
    skew_s: float,
) -> tuple[list[_Candidate], list[VerificationError]]:
    check_digest(headers, body)
    inputs = _dictionary(headers, "signature-input")
    signatures = _dictionary(headers, "signature")
    candidates: list[_Candidate] = []
    errors: list[VerificationError] = []
    for label in inputs:
        member = inputs[label]
        try:
            if label not in signatures:
                raise MissingHeader(f"Signature has no {label} member")
            if not isinstance(member, InnerList):
                raise MalformedHeader(f"Signature-Input {label} is not an inner list")
            covered = tuple((i.value, bool(i.params.get("req", False))) for i in member)
            if covered != COVERED:
                raise ProfileMismatch(f"{label} covers {covered}, expected {COVERED}")
            params = member.params
            alg = params.get("alg")
            if alg not in ALGS:
                raise ProfileMismatch(f"{label} alg is {alg!r}, expected one of {ALGS}")
            if params.get("tag") != tag:
                raise ProfileMismatch(f"{label} tag is {params.get('tag')!r}, expected {tag!r}")
            kid, created, expires = (
                params.get("keyid"),
                params.get("created"),
                params.get("expires"),
            )
            if not isinstance(kid, str) or not kid:
                raise ProfileMismatch(f"{label} has no keyid")
            if not isinstance(created, int) or not isinstance(expires, int):
                raise ProfileMismatch(f"{label} needs integer created and expires")
            if created - now > skew_s:
                raise FutureTimestamp(
                    f"{label} created {created} lies {int(created - now)} s in the future"
                )
            if now - expires > skew_s:
                raise SignatureExpired(f"{label} expired {int(now - expires)} s ago")
            signature = signatures[label].value
            if not isinstance(signature, bytes):
                raise MalformedHeader(f"Signature {label} is not a byte sequence")
            base = signature_base(
                member, status=status, method=method, target_uri=target_uri, headers=headers
            )
            candidates.append(_Candidate(label, kid, str(alg), created, expires, base, signature))
        except VerificationError as exc:
            errors.append(exc)
    if not candidates and not errors:
        raise MissingHeader("Signature-Input has no signature")
    return candidates, errors


def _check(candidate: _Candidate, keys: list[VerifyKey]) -> FeedSignature:
    if any(
        k.alg == candidate.alg and k.verifies(candidate.signature, candidate.base) for k in keys
    ):
        return FeedSignature(candidate.label, candidate.kid, candidate.created, candidate.expires)
    raise InvalidSignature(
        f"{candidate.label} (keyid {candidate.kid}) does not verify: response changed or wrong key"
    )


def _give_up(errors: list[VerificationError]) -> VerificationError:
    if len(errors) == 1:
        return errors[0]
    # the most specific reason first: a bad digest or signature beats a profile mismatch of sig2
    reasons = "; ".join(f"[{e.reason}] {e}" for e in errors)
    return InvalidSignature(f"no signature verifies: {reasons}", reason=errors[0].reason)


class _FeedBase:
    def __init__(
        self, *, tag: str = TAG, skew_s: float = 60.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.tag = tag
        self.skew_s = skew_s
        self.clock = clock

    def _prepare(
        self,
        status: int,
        method: str,
        target_uri: str,
        headers: Mapping[str, str] | httpx.Headers,
        body: bytes,
    ) -> tuple[list[_Candidate], list[VerificationError]]:
        return _candidates(
            status=status,
            method=method,
            target_uri=target_uri,
            headers=headers,
            body=body,
            tag=self.tag,
            now=self.clock(),
            skew_s=self.skew_s,
        )


class FeedVerifier(_FeedBase):
    """Sync verifier of feed responses; `keys` is a `JwksClient` or `StaticKeys`."""

    def __init__(
        self,
        keys: KeySource,
        *,
        tag: str = TAG,
        skew_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(tag=tag, skew_s=skew_s, clock=clock)
        self.keys = keys

    def verify(
        self,
        *,
        status: int,
        method: str,
        target_uri: str,
        headers: Mapping[str, str] | httpx.Headers,
        body: bytes,
    ) -> FeedSignature:
        candidates, errors = self._prepare(status, method, target_uri, headers, body)
        for candidate in candidates:
            try:
                return _check(candidate, self.keys.keys(candidate.kid))
            except (InvalidSignature, UnknownKey) as exc:
                errors.append(exc)
        raise _give_up(errors)

    def verify_response(self, response: httpx.Response) -> FeedSignature:
        """Verify an httpx response (its request gives `@method` and `@target-uri`)."""
        return self.verify(
            status=response.status_code,
            method=response.request.method,
            target_uri=str(response.request.url),
            headers=response.headers,
            body=response.content,
        )


class AsyncFeedVerifier(_FeedBase):
    """Async verifier of feed responses; `keys` is an `AsyncJwksClient` or `StaticKeys`."""

    def __init__(
        self,
        keys: AsyncKeySource | KeySource,
        *,
        tag: str = TAG,
        skew_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(tag=tag, skew_s=skew_s, clock=clock)
        self.keys = keys

    async def verify(
        self,
        *,
        status: int,
        method: str,
        target_uri: str,
        headers: Mapping[str, str] | httpx.Headers,
        body: bytes,
    ) -> FeedSignature:
        candidates, errors = self._prepare(status, method, target_uri, headers, body)
        for candidate in candidates:
            try:
                found: Any = self.keys.keys(candidate.kid)
                keys = await found if inspect.isawaitable(found) else found
                return _check(candidate, keys)
            except (InvalidSignature, UnknownKey) as exc:
                errors.append(exc)
        raise _give_up(errors)

    async def verify_response(self, response: httpx.Response) -> FeedSignature:
        return await self.verify(
            status=response.status_code,
            method=response.request.method,
            target_uri=str(response.request.url),
            headers=response.headers,
            body=response.content,
        )
