"""The blob port: where media bytes live. One protocol, two backends (fs.py, s3.py).

Bytes always move as async iterators of chunks, so no caller needs a whole file in
memory. Keys are plain `/`-separated text chosen by the hub (never by a client).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

DEFAULT_CHUNK = 1 << 20  # 1 MiB: large enough for throughput, small for memory

_KEY = re.compile(r"^[A-Za-z0-9._=-]+(/[A-Za-z0-9._=-]+)*$")


class BlobNotFound(KeyError):
    """No blob is stored under the key."""


class BadRange(ValueError):
    """A byte range outside the blob."""

    def __init__(self, size: int) -> None:
        super().__init__(f"range outside a blob of {size} bytes")
        self.size = size


def check_key(key: str) -> str:
    """Refuse keys that could escape a folder or confuse a backend (`..`, `//`, odd bytes)."""
    if not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise ValueError(f"invalid blob key: {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A scan prefix: a valid key followed by `/`."""
    if not prefix.endswith("/"):
        raise ValueError(f"a blob prefix ends with '/': {prefix!r}")
    check_key(prefix[:-1])
    return prefix


@dataclass(frozen=True)
class BlobEntry:
    """What `BlobStore.scan` finds under a prefix: a stored blob, or a write that has not
    finished (in progress, or left behind by a process that died mid-write)."""

    key: str
    size: int
    modified: float
    """Unix seconds of its last known activity: when the blob was stored; for an
    unfinished write, its last write (filesystem) or its start (S3)."""
    partial: str | None = None
    """For an unfinished write, the backend's handle on it (the filesystem's temporary
    file name, S3's multipart UploadId); None for a stored blob."""


@runtime_checkable
class BlobStore(Protocol):
    """What the hub needs from a blob backend."""

    backend: str
    """`filesystem` or `s3`."""

    async def put(
        self, key: str, chunks: AsyncIterable[bytes], content_type: str | None = None
    ) -> int:
        """Store the chunks under `key` atomically (all or nothing); returns the byte count.

        If the iterator raises, nothing is stored and an earlier blob under the key stays.
        """
        ...

    def get(
        self, key: str, offset: int = 0, length: int | None = None, chunk_size: int = DEFAULT_CHUNK
    ) -> AsyncIterator[bytes]:
        """Stream `length` bytes (all, if None) from `offset`. Raises BlobNotFound / BadRange."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        ...

    async def size(self, key: str) -> int:
        """The byte size of the blob (BlobNotFound if missing)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing blob is not an error."""
        ...

    async def signed_url(
        self, key: str, ttl_seconds: int, content_type: str | None = None, now: float | None = None
    ) -> str:
        """A URL that serves the blob without a token until it expires.

        S3 gives an absolute presigned URL; the filesystem backend gives the hub's own
        signed path (`/media/blobs/...`), which callers join with the hub's public URL.
        """
        ...

    def local_path(self, key: str) -> Path | None:
        """The blob as a local file, when the backend has one (filesystem); else None."""
        ...

    def scan(self, prefix: str, partial_only: bool = False) -> AsyncIterator[BlobEntry]:
        """The blobs and unfinished writes whose keys start with `prefix` (a folder: it
        ends with `/`), in no particular order; only the unfinished writes with
        `partial_only` (cheap on S3, where they are listed apart)."""
        ...

    async def discard(self, entry: BlobEntry) -> None:
        """Remove what `scan` found: delete the blob, or abort the unfinished write (its
        bytes are freed; the writer, if still running, fails). Idempotent."""
        ...


def open_chunks(
    store: BlobStore, key: str, chunk_size: int = DEFAULT_CHUNK
) -> AsyncIterator[bytes]:
    """Read a blob as chunks of at most `chunk_size` bytes: what channel plugins call
    (e.g. the 抖音 chunked upload reads a video in 20 MB parts)."""
    return store.get(key, chunk_size=chunk_size)


async def read_all(store: BlobStore, key: str, limit: int) -> bytes:
    """A small blob as bytes; refuses blobs larger than `limit` (images for renditions)."""
    if await store.size(key) > limit:
        raise ValueError(f"blob {key} is larger than {limit} bytes")
    parts = [chunk async for chunk in store.get(key)]
    return b"".join(parts)


async def iterate(data: bytes, chunk_size: int = DEFAULT_CHUNK) -> AsyncIterator[bytes]:
    """Bytes already in memory as an async chunk iterator (renditions, tests)."""
    for i in range(0, len(data), chunk_size):
        yield data[i : i + chunk_size]


@contextlib.asynccontextmanager
async def materialized(store: BlobStore, key: str, suffix: str = "") -> AsyncIterator[Path]:
    """The blob as a local file for libraries that need one (PyAV, Pillow).

    The filesystem backend lends its own file; other backends stream into a temporary
    file that is removed afterwards.
    """
    path = store.local_path(key)
    if path is not None:
        if not path.exists():
            raise BlobNotFound(key)
        yield path
        return
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="ronghub-blob-")
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in store.get(key):
                out.write(chunk)
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def split_range(offset: int, length: int | None, size: int) -> tuple[int, int]:
    """Validate a range against a blob size; returns (offset, length) with length resolved."""
    if (
        offset < 0
        or (length is not None and length < 0)
        or (offset > size)
        or (offset == size and size > 0 and length != 0)
    ):
        raise BadRange(size)
    if length is None:
        length = size - offset
    return offset, min(length, size - offset)


def chunked(total: int, chunk_size: int) -> Iterator[int]:
    """The sizes of successive reads covering `total` bytes."""
    while total > 0:
        n = min(chunk_size, total)
        yield n
        total -= n
