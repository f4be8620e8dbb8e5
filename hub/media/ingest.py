"""Taking in an upload stream: sniff its type, count and hash it, stop at the limit.

`Ingest` wraps the request's chunk iterator and is handed to the blob store's `put`;
the bytes flow straight through, so memory stays at one chunk whatever the file size.
It raises (and so the store keeps nothing) as soon as the first bytes show a refused
type or the count passes the limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator

from hub.errors import HubError
from hub.media.errors import MediaCodes
from hub.media.sniff import SNIFF_BYTES, MediaType, identify


class Ingest:
    """One pass over an upload: `async for chunk in ingest` yields the checked bytes.

    After a full pass `media_type`, `size` and `sha256` describe the file.
    """

    def __init__(
        self,
        source: AsyncIterable[bytes],
        limit: int,
        filename: str | None = None,
        sniff: bool = True,
    ) -> None:
        self.source = source
        self.limit = limit
        self.filename = filename
        self.check_type = sniff
        self.media_type: MediaType | None = None
        self.size = 0
        self._hash = hashlib.sha256()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def _count(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            # said as soon as the limit is passed: the rest of the body is never read
            raise HubError(MediaCodes.MEDIA_TOO_LARGE, limit=self.limit)
        self._hash.update(chunk)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._run()

    async def _run(self) -> AsyncIterator[bytes]:
        head = b""
        sniffed = not self.check_type
        async for chunk in self.source:
            if not chunk:
                continue
            self._count(chunk)
            if sniffed:
                yield chunk
                continue
            head += chunk
            if len(head) >= SNIFF_BYTES:
                self.media_type = identify(head[:SNIFF_BYTES], self.filename)
                sniffed = True
                yield head
                head = b""
        if not sniffed:
            self.media_type = identify(head, self.filename)
            if head:
                yield head
