"""Feed page bodies this process rendered, kept for the next reader of the same page.

A page's body is a function of what its ETag names (the subscription and its version,
the format, the cursor and limit, the entries' numbers, the cursor to read on from and
whether more follows: hub/feeds/pages.py `etag`), the URLs it is served under, and the
signed media URLs in it. Entries never change once written (hub/feeds/log.py), a
subscription's every change moves its version, so a page read again, whether of the
log's history or the live end with nothing new, renders the same bytes until its first
media URL expires (`until`: the readcache margin before it, as for the anonymous GraphQL
cache, hub/readcache.py). Kept with the body: its Content-Digest (RFC 9530), so a hit
costs the response's signature only (hub/signing/http_signatures.py).

Per process, least recently used first out, bounded by the bytes of the bodies kept
(RONGHUB_FEED_PAGE_CACHE_BYTES; 0 keeps none). Plain code, no I/O.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    digest: str  # the Content-Digest header of `body`
    until: float | None  # unix seconds after which it is not served (None: no signed URL)


class RenderedPages:
    """Rendered bodies by key, least recently used first out past `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._by_key: OrderedDict[Hashable, Rendered] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_key)

    def kept(self) -> list[Rendered]:
        """What is kept, least recently used first."""
        return list(self._by_key.values())

    def get(self, key: Hashable, now: float) -> Rendered | None:
        found = self._by_key.get(key)
        if found is not None and found.until is not None and now >= found.until:
            self._drop(key)
            found = None
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._by_key.move_to_end(key)
        return found

    def put(self, key: Hashable, rendered: Rendered, now: float) -> None:
        if len(rendered.body) > self.max_bytes or (
            rendered.until is not None and now >= rendered.until
        ):
            return
        if key in self._by_key:
            self._drop(key)
        self._by_key[key] = rendered
        self.bytes += len(rendered.body)
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self._by_key)))

    def _drop(self, key: Hashable) -> None:
        self.bytes -= len(self._by_key.pop(key).body)


_kept: RenderedPages | None = None


def pages(max_bytes: int) -> RenderedPages:
    """This process's rendered pages, bounded by `max_bytes` (from the settings)."""
    global _kept
    # (made again for another bound: several hubs' settings in one process, as in tests)
    if _kept is None or _kept.max_bytes != max_bytes:
        _kept = RenderedPages(max_bytes)
    return _kept


def forget() -> None:
    """Forget every rendered page (as after a restart)."""
    global _kept
    _kept = None
