"""The blob contract: every backend behaves the same (filesystem always, moto's S3
server always, a real S3/MinIO when RONGHUB_S3_ENDPOINT is set)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from hub.ids import new_id
from hub.media.blobs import BadRange, BlobNotFound, BlobStore, iterate, open_chunks
from hub.media.fs import FilesystemBlobStore
from hub.media.s3 import MIN_PART, S3BlobStore

BACKENDS = ["filesystem", "s3-moto"] + (
    ["s3-real"] if os.environ.get("RONGHUB_S3_ENDPOINT") else []
)


def _s3(settings: dict[str, str]) -> S3BlobStore:
    return S3BlobStore(
        settings["s3_endpoint"],
        settings["s3_bucket"],
        settings["s3_region"],
        settings.get("s3_access_key"),
        settings.get("s3_secret_key"),
        part_size=MIN_PART,
    )


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "filesystem":
        return FilesystemBlobStore(tmp_path / "blobs", b"k" * 32)
    if request.param == "s3-moto":
        return _s3(request.getfixturevalue("moto_s3"))
    env = {
        k.lower().removeprefix("ronghub_"): v
        for k, v in os.environ.items()
        if k.startswith("RONGHUB_S3_")
    }
    env.setdefault("s3_bucket", "ronghub")
    env.setdefault("s3_region", "us-east-1")
    return _s3(env)


def key() -> str:
    return f"contract/{new_id()}/blob.bin"


async def collect(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([c async for c in chunks])


async def test_put_then_get_returns_the_same_bytes(store: BlobStore) -> None:
    k = key()
    data = os.urandom(300_000)
    assert await store.put(k, iterate(data, 70_000), "application/octet-stream") == len(data)
    assert await collect(store.get(k)) == data
    assert await store.exists(k)
    assert await store.size(k) == len(data)


async def test_ranged_get_returns_the_slice(store: BlobStore) -> None:
    k = key()
    data = bytes(range(256)) * 100
    await store.put(k, iterate(data))
    assert await collect(store.get(k, 1000, 500)) == data[1000:1500]
    assert await collect(store.get(k, len(data) - 10)) == data[-10:]
    assert await collect(store.get(k, 5, 10_000_000)) == data[5:]


async def test_range_past_the_end_is_refused(store: BlobStore) -> None:
    k = key()
    await store.put(k, iterate(b"abc"))
    with pytest.raises(BadRange):
        await collect(store.get(k, 10))


async def test_large_blob_goes_up_in_parts_and_comes_back_in_chunks(store: BlobStore) -> None:
    k = key()
    block = hashlib.sha256(b"seed").digest() * 32_768  # 1 MiB of non-repeating-ish bytes
    total = 11 * len(block) + 12345  # more than two S3 parts of 5 MiB

    async def gen() -> AsyncIterator[bytes]:
        for _ in range(11):
            yield block
        yield block[:12345]

    assert await store.put(k, gen(), "video/mp4") == total
    sizes = [len(c) async for c in open_chunks(store, k, 4 * 1024 * 1024)]
    assert sum(sizes) == total
    assert max(sizes) <= 4 * 1024 * 1024
    digest = hashlib.sha256()
    async for c in open_chunks(store, k, 3 * 1024 * 1024):
        digest.update(c)
    expected = hashlib.sha256(block * 11 + block[:12345]).hexdigest()
    assert digest.hexdigest() == expected


async def test_empty_blob_is_stored(store: BlobStore) -> None:
    k = key()
    assert await store.put(k, iterate(b"")) == 0
    assert await store.size(k) == 0
    assert await collect(store.get(k)) == b""


async def test_failed_put_stores_nothing_and_keeps_the_old_blob(store: BlobStore) -> None:
    k = key()
    await store.put(k, iterate(b"old"))

    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * (MIN_PART + 10)
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        await store.put(k, broken())
    assert await collect(store.get(k)) == b"old"
    fresh = key()
    with pytest.raises(RuntimeError):
        await store.put(fresh, broken())
    assert not await store.exists(fresh)


async def test_missing_blob_is_reported(store: BlobStore) -> None:
    k = key()
    assert not await store.exists(k)
    with pytest.raises(BlobNotFound):
        await store.size(k)
    with pytest.raises(BlobNotFound):
        await collect(store.get(k))


async def test_delete_removes_and_is_idempotent(store: BlobStore) -> None:
    k = key()
    await store.put(k, iterate(b"bye"))
    await store.delete(k)
    assert not await store.exists(k)
    await store.delete(k)


async def test_overwrite_replaces_the_content(store: BlobStore) -> None:
    k = key()
    await store.put(k, iterate(b"first version"))
    await store.put(k, iterate(b"second"))
    assert await collect(store.get(k)) == b"second"


async def test_keys_that_could_escape_are_refused(store: BlobStore) -> None:
    for bad in ("../etc/passwd", "a//b", "/abs", "a/./b", "a b"):
        with pytest.raises(ValueError):
            await store.put(bad, iterate(b"x"))


async def test_concurrent_puts_leave_one_whole_blob(store: BlobStore) -> None:
    k = key()
    a, b = b"a" * 200_000, b"b" * 300_000
    await asyncio.gather(store.put(k, iterate(a, 10_000)), store.put(k, iterate(b, 10_000)))
    assert await collect(store.get(k)) in (a, b)


async def test_s3_presigned_url_serves_the_blob(store: BlobStore) -> None:
    if store.backend != "s3":
        pytest.skip("the filesystem backend's URLs are served by the hub (tests/media)")
    k = key()
    await store.put(k, iterate(b"presigned"), "text/plain")
    url = await store.signed_url(k, 60, "text/plain")
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.content == b"presigned"


async def test_signed_url_carries_the_requested_lifetime(store: BlobStore) -> None:
    # moto does not enforce presigned expiry, so check what we ask S3 for; our own
    # filesystem URLs are checked for expiry in tests/media
    from urllib.parse import parse_qs, urlsplit

    k = key()
    await store.put(k, iterate(b"x"))
    now = time.time()
    query = parse_qs(urlsplit(await store.signed_url(k, 600, now=now)).query)
    if store.backend == "s3":
        assert query["X-Amz-Expires"] == ["600"]
        assert "X-Amz-Signature" in query
    else:
        assert now + 600 <= int(query["exp"][0]) <= now + 660
        assert len(query["sig"][0]) == 64


# ---- what the media cleanup (hub/media/gc.py) relies on -----------------------------------


async def test_scan_lists_the_blobs_under_a_prefix_and_discard_removes_them(
    store: BlobStore,
) -> None:
    folder = f"contract/{new_id()}/"
    inside = {folder + "x.bin": b"x" * 10, folder + "deeper/y.bin": b"y" * 2000}
    outside = f"contract/{new_id()}/z.bin"
    for k, data in [*inside.items(), (outside, b"z")]:
        await store.put(k, iterate(data))
    before = time.time()
    found = [e async for e in store.scan(folder)]
    assert {(e.key, e.size, e.partial) for e in found} == {
        (k, len(v), None) for k, v in inside.items()
    }
    assert all(abs(e.modified - before) < 120 for e in found)  # the store's clock, seconds
    assert [e async for e in store.scan(folder, partial_only=True)] == []
    for entry in found:
        await store.discard(entry)
        await store.discard(entry)  # idempotent
    assert [e async for e in store.scan(folder)] == []
    assert await store.exists(outside)
    with pytest.raises(ValueError):
        [e async for e in store.scan(folder.rstrip("/"))]  # a prefix is a folder


async def test_unfinished_write_is_listed_and_discarding_it_makes_the_write_fail(
    store: BlobStore,
) -> None:
    """What a process that dies mid-upload leaves (an S3 multipart upload, a temporary
    file) is visible to `scan` while it exists; `discard` frees it."""
    folder = f"contract/{new_id()}/"
    k = folder + "original"
    await store.put(folder + "done.bin", iterate(b"done"))
    release = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        yield b"\x00" * (MIN_PART + 10)  # one whole S3 part goes up, then the client stalls
        await release.wait()

    writing = asyncio.create_task(store.put(k, stalls()))
    partial = []
    for _ in range(200):
        partial = [e async for e in store.scan(folder, partial_only=True)]
        if partial:
            break
        await asyncio.sleep(0.05)
    assert [(e.key, e.partial is not None) for e in partial] == [(k, True)]
    assert {e.key for e in [e async for e in store.scan(folder)]} == {k, folder + "done.bin"}

    await store.discard(partial[0])
    assert [e async for e in store.scan(folder, partial_only=True)] == []
    release.set()
    with pytest.raises(Exception):  # noqa: B017 - each backend fails in its own way
        await writing
    assert not await store.exists(k)
    assert await store.exists(folder + "done.bin")


async def test_signed_url_reports_an_expiry_it_does_not_outlive(store: BlobStore) -> None:
    from urllib.parse import parse_qs, urlsplit

    from hub.media.signing import collect_expiries

    k = key()
    await store.put(k, iterate(b"x"))
    with collect_expiries() as found:
        url = await store.signed_url(k, 600)
        await store.signed_url(k, 900)
    assert found.earliest is not None
    query = parse_qs(urlsplit(url).query)
    if store.backend == "s3":
        signed = (
            datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
            .replace(tzinfo=UTC)
            .timestamp()
        )
        assert signed + 600 - 1 <= found.earliest <= signed + 600  # the noted time is never later
    else:
        assert found.earliest == int(query["exp"][0])
    with collect_expiries() as nothing:
        pass
    assert nothing.earliest is None
