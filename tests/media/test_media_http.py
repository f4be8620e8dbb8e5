"""Media over real HTTP on the filesystem backend (the hub of the test session)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from hub.media.service import media_service
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.media.helpers import AUTH, image_bytes, tiny_video

RENDITION = "query($id: ID!, $spec: String!) { renditionUrl(assetId: $id, spec: $spec) }"
ASSET = """query($id: ID!) { asset(id: $id) { id kind mime size checksum width height durationMs codec
  alt credit copyright focalX focalY usedBy url } }"""


async def upload(
    http: httpx.AsyncClient, data: bytes, filename: str | None = None, **params: str
) -> httpx.Response:
    if filename:
        params["filename"] = filename
    return await http.post("/media/uploads", content=data, params=params, headers=AUTH)


def code_of(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_image_upload_rendition_and_download_round_trip(
    http: httpx.AsyncClient, editor: GraphQLClient
) -> None:
    original = image_bytes("PNG", (640, 480))
    response = await upload(http, original, "封面.png", alt="县城夜景", credit="本台记者")
    assert response.status_code == 201, response.text
    asset = response.json()
    assert (asset["kind"], asset["mime"], asset["width"], asset["height"]) == (
        "image",
        "image/png",
        640,
        480,
    )
    assert asset["checksum"] == hashlib.sha256(original).hexdigest()
    assert asset["size"] == len(original)

    async with httpx.AsyncClient() as anonymous:  # a signed URL needs no token
        downloaded = await anonymous.get(asset["url"])
        assert downloaded.status_code == 200
        assert downloaded.content == original
        assert downloaded.headers["content-type"] == "image/png"

        for spec, aspect in (
            ("wechat-cover", 2.35),
            ("wechat-square", 1.0),
            ("douyin-vertical", 9 / 16),
        ):
            url = (await editor(RENDITION, {"id": asset["id"], "spec": spec}))["renditionUrl"]
            got = await anonymous.get(url)
            assert got.status_code == 200, got.text
            assert got.headers["content-type"] == "image/jpeg"
            img = Image.open(io.BytesIO(got.content))
            assert img.format == "JPEG"
            assert abs(img.width / img.height - aspect) < 0.02

        custom = (await editor(RENDITION, {"id": asset["id"], "spec": "w=100,fmt=webp"}))[
            "renditionUrl"
        ]
        img = Image.open(io.BytesIO((await anonymous.get(custom)).content))
        assert (img.format, img.size) == ("WEBP", (100, 75))


async def test_rendition_is_made_once_and_then_served_from_the_blob_store(
    http: httpx.AsyncClient, editor: GraphQLClient, hub_settings: Settings
) -> None:
    asset = (await upload(http, image_bytes("JPEG"), "a.jpg")).json()
    first = (await editor(RENDITION, {"id": asset["id"], "spec": "thumb"}))["renditionUrl"]
    second = (await editor(RENDITION, {"id": asset["id"], "spec": "thumb"}))["renditionUrl"]
    assert first.split("?")[0] == second.split("?")[0]
    key = first.split("/media/blobs/")[1].split("?")[0]
    assert await media_service(hub_settings).store.exists(key)


async def test_focal_point_moves_the_crop(http: httpx.AsyncClient, editor: GraphQLClient) -> None:
    # left half red, right half blue: a square crop centred far right is blue
    asset = (await upload(http, image_bytes("PNG", (800, 400)), "wide.png")).json()
    await editor(
        "mutation($i: UpdateAssetInput!) { updateAsset(input: $i) { focalX } }",
        {"i": {"id": asset["id"], "focalX": 1.0}},
    )
    url = (await editor(RENDITION, {"id": asset["id"], "spec": "wechat-square"}))["renditionUrl"]
    async with httpx.AsyncClient() as anonymous:
        img = Image.open(io.BytesIO((await anonymous.get(url)).content)).convert("RGB")
    r, _, b = img.getpixel((img.width // 2, img.height // 2))
    assert b > 150 and r < 100


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (image_bytes("PNG"), "photo.jpg", "MEDIA_TYPE_MISMATCH"),
        (b"%PDF-1.7\n" + b"x" * 100, "clip.mp4", "MEDIA_TYPE_MISMATCH"),
        (b"MZ\x90\x00" + b"\x00" * 200, "setup.jpg", "MEDIA_TYPE_UNSUPPORTED"),
        ("不是图片,只是文字".encode() * 10, "note.png", "MEDIA_TYPE_UNSUPPORTED"),
    ],
    ids=["png-named-jpg", "pdf-named-mp4", "exe-named-jpg", "text-named-png"],
)
async def test_file_whose_content_is_not_what_its_name_says_is_refused(
    http: httpx.AsyncClient, data: bytes, filename: str, code: str
) -> None:
    response = await upload(http, data, filename)
    assert response.status_code == 415
    body = response.json()["errors"][0]["extensions"]
    assert body["code"] == code
    assert body["message_zh"] and body["message_en"]
    if code == "MEDIA_TYPE_MISMATCH":
        assert "不符" in body["message_zh"] and "." + filename.rsplit(".")[-1] in body["message_en"]


async def test_upload_needs_the_newsroom_token(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/media/uploads", content=image_bytes(), params={"filename": "a.png"}
    )
    assert response.status_code == 401
    assert code_of(response) == "UNAUTHENTICATED"


async def test_video_upload_is_probed_for_duration_size_and_codec(
    http: httpx.AsyncClient, tmp_path: Path, editor: GraphQLClient
) -> None:
    video = tiny_video(tmp_path / "clip.mp4").read_bytes()
    response = await upload(http, video, "clip.mp4")
    assert response.status_code == 201, response.text
    asset = (await editor(ASSET, {"id": response.json()["id"]}))["asset"]
    assert (asset["kind"], asset["width"], asset["height"], asset["codec"]) == (
        "video",
        64,
        48,
        "mpeg4",
    )
    assert asset["durationMs"] == 2000
    errors = await editor.errors(RENDITION, {"id": asset["id"], "spec": "thumb"})
    assert errors[0]["extensions"]["code"] == "RENDITION_UNSUPPORTED"


async def test_tampered_or_expired_media_url_is_refused(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    asset = (await upload(http, image_bytes(), "a.png")).json()
    url = asset["url"]
    path, _, query = url.partition("?")
    params = dict(p.split("=") for p in query.split("&"))
    other_key = path.replace("/original", "/r/x.jpg")
    later = str(int(params["exp"]) + 3600)
    store = media_service(hub_settings).store
    key = path.split("/media/blobs/")[1]
    expired = hub_settings.base_url + await store.signed_url(key, 60, now=time.time() - 3600)
    async with httpx.AsyncClient() as anonymous:
        assert (await anonymous.get(url)).status_code == 200
        for bad in (
            f"{path}?exp={params['exp']}&sig={params['sig'][:-2]}00",
            f"{path}?exp={later}&sig={params['sig']}",
            f"{other_key}?{query}",
            path,
        ):
            response = await anonymous.get(bad)
            assert response.status_code == 403, bad
            assert code_of(response) == "MEDIA_URL_INVALID"
        response = await anonymous.get(expired)
        assert response.status_code == 403
        assert code_of(response) == "MEDIA_URL_EXPIRED"
        assert "过期" in response.json()["errors"][0]["extensions"]["message_zh"]


async def test_download_honours_a_byte_range(http: httpx.AsyncClient) -> None:
    data = image_bytes("PNG", (300, 300))
    url = (await upload(http, data, "r.png")).json()["url"]
    async with httpx.AsyncClient() as anonymous:
        part = await anonymous.get(url, headers={"range": "bytes=10-19"})
        assert part.status_code == 206
        assert part.content == data[10:20]
        assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
        tail = await anonymous.get(url, headers={"range": "bytes=-5"})
        assert tail.content == data[-5:]
        beyond = await anonymous.get(url, headers={"range": f"bytes={len(data) + 5}-"})
        assert beyond.status_code == 416


async def test_resumable_upload_survives_a_broken_connection(
    http: httpx.AsyncClient, tmp_path: Path, editor: GraphQLClient
) -> None:
    video = tiny_video(tmp_path / "long.mp4", frames=120).read_bytes()
    created = await http.post(
        "/media/uploads/resumable",
        json={"size": len(video), "filename": "long.mp4", "alt": "航拍"},
        headers=AUTH,
    )
    assert created.status_code == 201, created.text
    upload_id = created.json()["id"]
    parts = f"/media/uploads/{upload_id}/parts"
    cut = len(video) // 3

    first = await http.put(parts, params={"offset": 0}, content=video[:cut], headers=AUTH)
    assert first.json()["received"] == cut

    async def breaks_off() -> AsyncIterator[bytes]:
        yield video[cut : cut + 100]
        await asyncio.sleep(0.1)
        raise ConnectionResetError("network dropped")

    with pytest.raises((httpx.HTTPError, ConnectionResetError)):
        await http.put(parts, params={"offset": cut}, content=breaks_off(), headers=AUTH)

    # the reconnecting client asks where to resume; the broken part left nothing behind
    for _ in range(50):
        status = (await http.get(f"/media/uploads/{upload_id}", headers=AUTH)).json()
        if status["received"] == cut:
            break
    assert status["received"] == cut
    wrong = await http.put(
        parts, params={"offset": cut + 100}, content=video[cut + 100 :], headers=AUTH
    )
    assert wrong.status_code == 409
    assert wrong.json()["errors"][0]["extensions"]["details"]["received"] == cut
    early = await http.post(f"/media/uploads/{upload_id}/complete", headers=AUTH)
    assert code_of(early) == "UPLOAD_INCOMPLETE"

    rest = await http.put(parts, params={"offset": cut}, content=video[cut:], headers=AUTH)
    assert rest.json()["received"] == len(video)
    done = await http.post(f"/media/uploads/{upload_id}/complete", headers=AUTH)
    assert done.status_code == 201, done.text
    asset = done.json()
    assert asset["checksum"] == hashlib.sha256(video).hexdigest()
    assert (asset["kind"], asset["duration_ms"], asset["alt"]) == ("video", 10_000, "航拍")
    again = await http.post(f"/media/uploads/{upload_id}/complete", headers=AUTH)
    assert again.json()["id"] == asset["id"]
    async with httpx.AsyncClient() as anonymous:
        assert (await anonymous.get(asset["url"])).content == video


async def test_resumable_upload_refuses_a_lying_first_part(http: httpx.AsyncClient) -> None:
    data = image_bytes("PNG")
    created = (
        await http.post(
            "/media/uploads/resumable", json={"size": len(data), "filename": "v.mp4"}, headers=AUTH
        )
    ).json()
    response = await http.put(
        f"/media/uploads/{created['id']}/parts", params={"offset": 0}, content=data, headers=AUTH
    )
    assert response.status_code == 415
    assert code_of(response) == "MEDIA_TYPE_MISMATCH"
    status = (await http.get(f"/media/uploads/{created['id']}", headers=AUTH)).json()
    assert status["received"] == 0


async def test_direct_upload_needs_the_s3_backend(http: httpx.AsyncClient) -> None:
    response = await http.post("/media/uploads/direct", json={"size": 10}, headers=AUTH)
    assert response.status_code == 409
    assert code_of(response) == "DIRECT_UPLOAD_UNAVAILABLE"


async def test_resumable_upload_larger_than_the_limit_is_refused_at_creation(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    response = await http.post(
        "/media/uploads/resumable",
        json={"size": hub_settings.media_max_resumable_bytes + 1},
        headers=AUTH,
    )
    assert response.status_code == 413
    assert code_of(response) == "MEDIA_TOO_LARGE"


async def test_announced_oversized_upload_is_refused_before_reading(
    hub_url: str, hub_settings: Settings
) -> None:
    # a raw connection: send only the headers and a few bytes, then read the answer
    limit = hub_settings.media_max_upload_bytes
    reader, writer = await asyncio.open_connection("127.0.0.1", hub_settings.port)
    writer.write(
        (
            f"POST /media/uploads?filename=big.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {AUTH['authorization']}\r\nContent-Length: {limit + 1}\r\n\r\n"
        ).encode()
        + b"\xff\xd8\xff"
        + b"\x00" * 61
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    writer.close()
    assert head.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize("filename", ["a.png\x00.php", "evil\r\nX-Injected: 1.png", "a\x00"])
async def test_a_file_name_with_a_nul_byte_or_a_control_character_is_refused(
    http: httpx.AsyncClient, filename: str
) -> None:
    response = await upload(http, image_bytes(), filename)
    assert response.status_code == 400 and code_of(response) == "BAD_FILE_NAME"
    resumable = await http.post(
        "/media/uploads/resumable", json={"size": 100, "filename": filename}, headers=AUTH
    )
    assert resumable.status_code == 400 and code_of(resumable) == "BAD_FILE_NAME"


async def test_a_rendition_url_is_cacheable_by_a_cdn_and_revalidates_with_its_etag(
    http: httpx.AsyncClient, editor: GraphQLClient
) -> None:
    asset = (await upload(http, image_bytes("PNG", (320, 240)), "cdn.png")).json()
    url = (await editor(RENDITION, {"id": asset["id"], "spec": "thumb"}))["renditionUrl"]
    async with httpx.AsyncClient() as anonymous:
        got = await anonymous.get(url)
        assert got.status_code == 200
        control = got.headers["cache-control"]
        assert control.startswith("public, max-age=") and control.endswith(", immutable")
        exp = int(url.split("exp=")[1].split("&")[0])
        assert 0 < int(control.split("max-age=")[1].split(",")[0]) <= exp - int(time.time()) + 1
        again = await anonymous.get(url, headers={"if-none-match": got.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
