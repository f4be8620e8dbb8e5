"""The hub's own signed, expiring media URLs (filesystem backend).

A URL is `/media/blobs/{key}?exp={unix seconds}&sig={hex}` where `sig` is
HMAC-SHA256 over the path and the expiry with a key from settings. Pure functions;
the caller passes the clock, so expiry is testable without waiting.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from urllib.parse import quote

from hub.errors import HubError
from hub.media.errors import MediaCodes

BLOB_ROUTE = "/media/blobs/"


def blob_path(key: str) -> str:
    """The URL path that serves a blob key (key segments are percent-encoded)."""
    return BLOB_ROUTE + quote(key, safe="/")


def _mac(secret: bytes, path: str, expires: int) -> str:
    message = f"{path}\n{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def expiry(now: float, ttl_seconds: int, bucket_seconds: int = 60) -> int:
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
