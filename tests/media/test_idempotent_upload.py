"""A single-request upload with an `Idempotency-Key` header: sent again (also at the same
time) it returns the asset already made and keeps no second copy of the bytes; another
file under the same key is refused."""

from __future__ import annotations

import asyncio

import httpx

from hub.ids import new_id
from hub.media.service import media_service
from hub.settings import Settings
from hub.store.documents import AssetDoc
from tests.media.helpers import AUTH, image_bytes


async def upload(http: httpx.AsyncClient, data: bytes, key: str, name: str) -> httpx.Response:
    return await http.post(
        "/media/uploads",
        content=data,
        params={"filename": name, "alt": "同一张图"},
        headers={**AUTH, "idempotency-key": key},
    )


async def test_an_upload_sent_four_times_at_once_with_one_key_makes_one_asset_and_one_copy(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    name = f"重传-{new_id()[-6:]}.png"
    data = image_bytes("PNG", (64, 48))
    key = str(new_id())
    answers = await asyncio.gather(*(upload(http, data, key, name) for _ in range(4)))
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    [asset] = await AssetDoc.find({"filename": name}).to_list()
    store = media_service(hub_settings).store
    originals = [e async for e in store.scan(f"t/{asset.tenant}/a/") if e.key.endswith("/original")]
    assert asset.blob_key in [e.key for e in originals]
    kept = []
    for entry in originals:  # of the four copies of these bytes one is left: the asset's
        if await store.size(entry.key) == len(data) and entry.key != asset.blob_key:
            other = await AssetDoc.find_one({"blob_key": entry.key})
            kept.append((entry.key, other is not None))
    assert all(has_asset for _, has_asset in kept), kept

    again = await upload(http, data, key, name)  # later: the same asset
    assert again.status_code == 201 and again.json()["id"] == asset.id
    other = await upload(http, image_bytes("PNG", (32, 32)), key, name)
    assert (
        other.status_code == 422
        and other.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    )
    assert len(await AssetDoc.find({"filename": name}).to_list()) == 1
