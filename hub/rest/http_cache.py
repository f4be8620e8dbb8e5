"""HTTP caching rules for GraphQL reads: ETags, `Cache-Control`, `Vary` and `If-None-Match`.

An anonymous GET query answers from the published read model only, so a CDN or a browser
may keep it. Its ETag is the tenant's read-model generation and a digest of the exact
bytes: a publication (which moves the generation) changes every ETag of the tenant even
where a page's bytes happen to stay the same, and freshly signed media URLs (new bytes)
change it too, so a 304 never confirms a body whose links have expired.

`max-age` is the configured freshness, cut short to the cached entry's deadline when the
body carries signed media URLs (`serve_until`: the margin before the first expires), and
`stale-while-revalidate` never reaches past that margin either. Everything else (a
signed-in caller, a mutation, an error, a POST) is `private, no-store`.

Pure functions; the caller passes the clock.
"""

from __future__ import annotations

import hashlib

PRIVATE = "private, no-store"
#: What an anonymous answer varies on: a token makes it a newsroom answer (never shared).
VARY = "Authorization"
#: With CORS on, the allow-origin header differs per Origin as well.
VARY_CORS = "Authorization, Origin"


def etag_for(generation: int, body: bytes) -> str:
    """The strong ETag of an anonymous response of `generation` with these bytes."""
    return f'"g{generation}-{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` value names `etag` (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def public_cache_control(
    max_age: int, stale_while_revalidate: int, until: float | None, now: float, margin: int
) -> str:
    """`Cache-Control` of an anonymous answer; `until` is when its signed URLs stop being
    safe to serve (None: it has none)."""
    swr = stale_while_revalidate
    if until is not None:
        max_age = min(max_age, int(until - now))
        swr = min(swr, margin)  # a stale copy past `until` still has `margin` of validity
        if max_age <= 0:
            return PRIVATE
    return f"public, max-age={max_age}, stale-while-revalidate={swr}"
