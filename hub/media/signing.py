"""The hub's own signed, expiring media URLs (filesystem backend), and the record of
when the URLs handed out in one response expire.

A URL is `/media/blobs/{key}?exp={unix seconds}&sig={hex}` where `sig` is
HMAC-SHA256 over the path and the expiry with a key from settings. Pure functions;
the caller passes the clock, so expiry is testable without waiting.

Every backend's `signed_url` reports its URL's expiry with `note_expiry`; code that
keeps a response for later (the anonymous GraphQL cache) collects them with
`collect_expiries()` and must not serve the response once the earliest has passed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
from collections.abc import Iterator
from contextvars import ContextVar
from urllib.parse import quote

from hub.errors import HubError
from hub.media.errors import MediaCodes

BLOB_ROUTE = "/media/blobs/"
DEFAULT_BUCKET_SECONDS = 60


class Expiries:
    """The expiries of the signed URLs handed out while collecting."""

    def __init__(self) -> None:
        self.earliest: float | None = None

    def note(self, at: float) -> None:
        if self.earliest is None or at < self.earliest:
            self.earliest = at


_COLLECTING: ContextVar[Expiries | None] = ContextVar("media_url_expiries", default=None)


@contextlib.contextmanager
def collect_expiries() -> Iterator[Expiries]:
    """Collect the expiry of every signed URL made in this context (and the tasks it
    starts, which inherit the context) while the block runs."""
    found = Expiries()
    token = _COLLECTING.set(found)
    try:
        yield found
    finally:
        _COLLECTING.reset(token)


def note_expiry(at: float) -> None:
    """A signed URL valid until `at` (unix seconds, or earlier) was just made."""
    found = _COLLECTING.get()
    if found is not None:
        found.note(at)


def uncacheable() -> None:
    """The response being made must not be kept by the anonymous cache, a CDN or a browser
    (e.g. a draft preview, which changes and is revoked without a publication): recorded as
    a URL that expired at the epoch, so its deadline has always passed."""
    note_expiry(0.0)


def blob_path(key: str) -> str:
    """The URL path that serves a blob key (key segments are percent-encoded)."""
    return BLOB_ROUTE + quote(key, safe="/")


def _mac(secret: bytes, path: str, expires: int) -> str:
    message = f"{path}\n{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def expiry(now: float, ttl_seconds: int, bucket_seconds: int = DEFAULT_BUCKET_SECONDS) -> int:
    """An expiry at least `ttl_seconds` ahead, rounded up to a bucket.

    Rounding makes URLs signed within the same bucket identical, so caches (the
    anonymous GraphQL cache, CDNs, browsers) can reuse them.
    """
    raw = now + ttl_seconds
    return int(math.ceil(raw / bucket_seconds) * bucket_seconds)


def sign_path(secret: bytes, path: str, expires: int) -> str:
    """The signed URL (path and query) for `path`, valid until `expires` (unix seconds)."""
    return f"{path}?exp={expires}&sig={_mac(secret, path, expires)}"


def verify(secret: bytes, path: str, expires: str | None, sig: str | None, now: float) -> None:
    """Raise MEDIA_URL_INVALID for a wrong or missing signature, MEDIA_URL_EXPIRED when late.

    The signature is checked first, so a tampered expiry reads as tampered, not expired.
    """
    if not expires or not sig or not expires.isdigit():
        raise HubError(MediaCodes.MEDIA_URL_INVALID)
    if not hmac.compare_digest(_mac(secret, path, int(expires)), sig):
        raise HubError(MediaCodes.MEDIA_URL_INVALID)
    if int(expires) < now:
        raise HubError(MediaCodes.MEDIA_URL_EXPIRED, expired_at=int(expires))
