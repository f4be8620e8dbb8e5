"""The filesystem blob backend (embedded default): files under RONGHUB_DATA_DIR/blobs.

Writes go to a temporary file in the same folder, are fsynced and then renamed over
the key, so a reader sees the old blob or the new one, never half of one. A process
that dies mid-write leaves its temporary file (`.tmp-<name>.<random>`): `scan` reports
it as an unfinished write and `discard` removes it. File I/O runs in threads so the
event loop keeps serving while large files move.
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

from hub.media.blobs import (
    DEFAULT_CHUNK,
    BlobEntry,
    BlobNotFound,
    check_key,
    check_prefix,
    chunked,
    split_range,
)
from hub.media.signing import DEFAULT_BUCKET_SECONDS, blob_path, expiry, note_expiry, sign_path

TMP_PREFIX = ".tmp-"


class FilesystemBlobStore:
    """Blobs as files; signed URLs are the hub's own (HMAC, see signing.py)."""

    backend = "filesystem"

    def __init__(
        self, root: Path, url_secret: bytes, url_bucket_seconds: int = DEFAULT_BUCKET_SECONDS
    ) -> None:
        self.root = root
        self.url_secret = url_secret
        self.url_bucket_seconds = url_bucket_seconds

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def put(
        self, key: str, chunks: AsyncIterable[bytes], content_type: str | None = None
    ) -> int:
        path = self._path(key)
        tmp = path.parent / f"{TMP_PREFIX}{path.name}.{secrets.token_hex(6)}"
        handle = await asyncio.to_thread(_create, tmp)
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

    async def get(
        self, key: str, offset: int = 0, length: int | None = None, chunk_size: int = DEFAULT_CHUNK
    ) -> AsyncIterator[bytes]:
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

    async def signed_url(
        self, key: str, ttl_seconds: int, content_type: str | None = None, now: float | None = None
    ) -> str:
        check_key(key)
        expires = expiry(time.time() if now is None else now, ttl_seconds, self.url_bucket_seconds)
        note_expiry(expires)
        return sign_path(self.url_secret, blob_path(key), expires)

    async def scan(self, prefix: str, partial_only: bool = False) -> AsyncIterator[BlobEntry]:
        folder = self.root / check_prefix(prefix)
        for entry in await asyncio.to_thread(_walk, self.root, folder, partial_only):
            yield entry

    async def discard(self, entry: BlobEntry) -> None:
        path = self._path(entry.key)
        if entry.partial is not None:
            if not entry.partial.startswith(TMP_PREFIX) or "/" in entry.partial:
                raise ValueError(f"not a temporary file: {entry.partial!r}")
            path = path.parent / entry.partial
        await asyncio.to_thread(_unlink_and_prune, path, self.root)


def _create(tmp: Path) -> BinaryIO:
    """Open a new temporary file, making its folder; once more if `discard` removed the
    (then empty) folder in between."""
    for attempt in (1, 2):
        tmp.parent.mkdir(parents=True, exist_ok=True)
        try:
            return open(tmp, "wb")
        except FileNotFoundError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _walk(root: Path, folder: Path, partial_only: bool) -> list[BlobEntry]:
    found: list[BlobEntry] = []
    for dirpath, _, names in os.walk(folder):
        base = Path(dirpath)
        for name in names:
            partial = name.startswith(TMP_PREFIX)
            if partial_only and not partial:
                continue
            try:
                st = (base / name).stat()
            except FileNotFoundError:  # finished or removed while we looked
                continue
            stored = name[len(TMP_PREFIX) :].rsplit(".", 1)[0] if partial else name
            key = (base / stored).relative_to(root).as_posix()
            found.append(BlobEntry(key, st.st_size, st.st_mtime, name if partial else None))
    return found


def _unlink_and_prune(path: Path, root: Path) -> None:
    """Remove the file, then its folders while they are empty (never `root` itself)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    folder = path.parent
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): stop here
            return
        folder = folder.parent


def _flush_and_sync(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
