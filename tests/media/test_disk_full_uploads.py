"""A full disk under the blobs: uploads get STORAGE_FULL (507, Chinese and English), keep
nothing, and work again once there is room. The disk is made full at the blob layer
(OSError ENOSPC from the file writes), on the hub of the test session."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.errors import Codes
from hub.media.fs import FilesystemBlobStore
from tests.media.helpers import AUTH, image_bytes


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """While the flag is set, every blob write fails as a full disk does."""
    full = [True]
    real_put = FilesystemBlobStore.put

    async def put(
        self: FilesystemBlobStore, key: str, chunks: Any, content_type: str | None = None
    ) -> int:
        if full[0]:
            async for _ in chunks:  # the bytes arrive, the write fails
                raise OSError(errno.ENOSPC, "No space left on device", key)
        return await real_put(self, key, chunks, content_type)

    monkeypatch.setattr(FilesystemBlobStore, "put", put)
    yield full


def _error(response: httpx.Response) -> dict[str, Any]:
    return dict(response.json()["errors"][0]["extensions"])


async def test_an_upload_onto_a_full_disk_is_storage_full_and_works_once_space_is_freed(
    http: httpx.AsyncClient, disk_full: list[bool]
) -> None:
    response = await http.post(
        "/media/uploads", content=image_bytes(), params={"filename": "满.png"}, headers=AUTH
    )
    assert response.status_code == 507, response.text
    ext = _error(response)
    assert ext["code"] == "STORAGE_FULL"
    assert (ext["message_zh"], ext["message_en"]) == (Codes.STORAGE_FULL.zh, Codes.STORAGE_FULL.en)
    assert response.headers["connection"] == "close"  # a refused upload is not read on
    disk_full[0] = False
    again = await http.post(
        "/media/uploads", content=image_bytes(), params={"filename": "满.png"}, headers=AUTH
    )
    assert again.status_code == 201, again.text


async def test_a_resumable_part_onto_a_full_disk_is_storage_full_and_can_be_sent_again(
    http: httpx.AsyncClient, disk_full: list[bool]
) -> None:
    data = image_bytes()
    created = await http.post(
        "/media/uploads/resumable", json={"size": len(data), "filename": "p.png"}, headers=AUTH
    )
    assert created.status_code == 201, created.text
    parts = f"/media/uploads/{created.json()['id']}/parts"
    refused = await http.put(parts, params={"offset": 0}, content=data, headers=AUTH)
    assert refused.status_code == 507 and _error(refused)["code"] == "STORAGE_FULL"
    disk_full[0] = False
    sent = await http.put(parts, params={"offset": 0}, content=data, headers=AUTH)
    assert sent.status_code == 200, sent.text
    assert sent.json()["received"] == len(data)
