"""The filesystem blob backend (embedded default): files under RONGHUB_DATA_DIR/blobs.

Writes go to a temporary file in the same folder, are fsynced and then renamed over
the key, so a reader sees the old blob or the new one, never half of one. File I/O
runs in threads so the event loop keeps serving while large files move.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from hub.media.blobs import DEFAULT_CHUNK, BlobNotFound, check_key, chunked, split_range
from hub.media.signing import blob_path, expiry, sign_path

TMP_PREFIX = ".tmp-"


class FilesystemBlobStore:
    """Blobs as files; signed URLs are the hub's own (HMAC, see signing.py)."""

    backend = "filesystem"

    def __init__(self, root: Path, url_secret: bytes) -> None:
        self.root = root
        self.url_secret = url_secret

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def put(self, key: str, chunks: AsyncIterable[bytes], content_type: str | None = None) -> int:
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        tmp = path.parent / f"{TMP_PREFIX}{path.name}.{secrets.token_hex(6)}"
        handle = await asyncio.to_thread(open, tmp, "wb")
        written = 0
        try:
            async for chunk in chunks:
                if chunk:
                    await asyncio.to_thread(handle.write, chunk)
                    written += len(chunk)
            await asyncio.to_thread(_flush_and_sync, handle)
            handle.close()
            await asyncio.to_thread(os.replace, tmp, path)
        except BaseException:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return written

    async def get(self, key: str, offset: int = 0, length: int | None = None, chunk_size: int = DEFAULT_CHUNK) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        with handle:
            size = os.fstat(handle.fileno()).st_size
            offset, length = split_range(offset, length, size)
            handle.seek(offset)
            for n in chunked(length, chunk_size):
                data = await asyncio.to_thread(handle.read, n)
                if not data:
                    break
                yield data

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def size(self, key: str) -> int:
        try:
            return (await asyncio.to_thread(self._path(key).stat)).st_size
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(os.unlink, self._path(key))

    async def signed_url(self, key: str, ttl_seconds: int, content_type: str | None = None, now: float | None = None) -> str:
        check_key(key)
        return sign_path(self.url_secret, blob_path(key), expiry(time.time() if now is None else now, ttl_seconds))


def _flush_and_sync(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
