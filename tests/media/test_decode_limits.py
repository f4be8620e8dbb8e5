"""Decompression bombs and too many decodes at once: pictures over the pixel budget and
animations with too many frames are refused from their headers (at upload and at
rendition time), video frames too; at most `media_max_concurrent_decodes` decodes run at
once in a process, counted through the gate's hook."""

from __future__ import annotations

import asyncio
import io
import struct
import threading
import time
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image, JpegImagePlugin

from hub.errors import HubError
from hub.media.decoding import DecodeGate
from hub.media.probe import probe_av, probe_image
from hub.media.renditions import PRESETS, Spec, decode_scale, render
from hub.media.service import media_service
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.media.helpers import AUTH, image_bytes, tiny_video

RENDITION = "query($id: ID!, $spec: String!) { renditionUrl(assetId: $id, spec: $spec) }"
BUDGET = Settings().media_max_image_pixels


def claimed_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height over a few bytes of data: decoding it would
    take width x height x 3 bytes (a crafted decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * (width * 3 + 1) * 4)  # four rows; the rest are missing
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def animation(fmt: str, frames: int) -> bytes:
    images = [Image.new("RGB", (4, 4), (i * 37 % 256, i * 91 % 256, 50)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, fmt, save_all=True, append_images=images[1:], duration=40, loop=0)
    return out.getvalue()


def assert_too_large(err: HubError) -> None:
    assert err.code == "IMAGE_TOO_LARGE" and err.http_status == 422
    assert "81.0 百万像素" in err.message_zh and "上限 40.0 百万像素" in err.message_zh
    assert "81.0 megapixels" in err.message_en and "40.0 megapixels" in err.message_en


def test_the_default_budget_is_40_megapixels() -> None:
    assert BUDGET == 40_000_000


def test_an_81_megapixel_png_is_refused_from_its_header_at_upload(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(claimed_png(9000, 9000))
    started = time.perf_counter()
    with pytest.raises(HubError) as refused:
        probe_image(path, BUDGET)
    assert_too_large(refused.value)
    assert time.perf_counter() - started < 2  # refused from the header, nothing decoded


def test_an_81_megapixel_png_is_refused_at_rendition_time_too() -> None:
    with pytest.raises(HubError) as refused:
        render(claimed_png(9000, 9000), PRESETS["large"], (0.5, 0.5), BUDGET)
    assert_too_large(refused.value)


def test_pillows_own_bomb_refusal_comes_out_as_image_too_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        Image, "MAX_IMAGE_PIXELS", 1_000_000
    )  # refuses above 2 MP, before our check
    with pytest.raises(HubError) as refused:
        render(claimed_png(2000, 2000), PRESETS["thumb"], (0.5, 0.5), 10_000_000)
    assert refused.value.code == "IMAGE_TOO_LARGE" and "4.0 百万像素" in refused.value.message_zh


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_animations_with_too_many_frames_are_refused_in_chinese_and_english(
    fmt: str, tmp_path: Path
) -> None:
    path = tmp_path / f"many.{fmt.lower()}"
    path.write_bytes(animation(fmt, 7))
    with pytest.raises(HubError) as refused:
        probe_image(path, BUDGET, max_frames=6)
    err = refused.value
    assert err.code == "IMAGE_TOO_MANY_FRAMES" and err.http_status == 422
    assert "6 帧" in err.message_zh and "more than 6 frames" in err.message_en
    assert probe_image(path, BUDGET, max_frames=7).width == 4  # at the limit: fine


def test_a_video_whose_frame_is_over_the_budget_is_refused(tmp_path: Path) -> None:
    video = tiny_video(tmp_path / "v.mp4", width=64, height=48)
    with pytest.raises(HubError) as refused:
        probe_av(video, max_pixels=64 * 48 - 1)  # FFmpeg, held to the budget, decodes nothing
    assert refused.value.code == "MEDIA_UNREADABLE" and "画面过大" in refused.value.message_zh
    assert probe_av(video, max_pixels=64 * 48).width == 64


def test_a_jpeg_is_decoded_only_as_large_as_the_rendition_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert decode_scale(4000, 3000, PRESETS["thumb"], (0.5, 0.5)) == pytest.approx(320 / 4000)
    assert decode_scale(4000, 3000, Spec(900, 383, "crop"), (0.5, 0.5)) == pytest.approx(
        900 / 4000, rel=1e-3
    )
    assert decode_scale(300, 200, PRESETS["large"], (0.5, 0.5)) == 1.0  # never enlarged
    decoded: list[tuple[int, int]] = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(
        self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None
    ) -> object:
        result = real_draft(self, mode, size)
        decoded.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    out = Image.open(
        io.BytesIO(render(image_bytes("JPEG", (4000, 3000)), PRESETS["thumb"], (0.5, 0.5), BUDGET))
    )
    assert out.size == (320, 240)
    assert decoded == [(500, 375)]  # an eighth of the pixels' side, not 12 MP


async def test_the_gate_lets_only_its_places_decode_at_once() -> None:
    running, most = 0, 0

    def hook(change: int) -> None:
        nonlocal running, most
        running += change
        most = max(most, running)

    gate = DecodeGate(2, on_decode=hook)
    two_at_once = threading.Barrier(2, timeout=5)  # passes only when two decodes run together

    def decode() -> str:
        two_at_once.wait()
        return "ok"

    assert await asyncio.gather(*[gate.run(decode) for _ in range(6)]) == ["ok"] * 6
    assert most == 2 and running == 0


async def test_six_renditions_requested_at_once_decode_at_most_two_at_a_time(
    http: httpx.AsyncClient, editor: GraphQLClient, hub_settings: Settings
) -> None:
    asset = (
        await http.post(
            "/media/uploads",
            content=image_bytes("PNG", (1200, 900)),
            params={"filename": "a.png"},
            headers=AUTH,
        )
    ).json()
    gate = media_service(hub_settings).gate
    running, most, total = 0, 0, 0

    def hook(change: int) -> None:
        nonlocal running, most, total
        running += change
        most, total = max(most, running), total + (change > 0)

    gate.on_decode = hook
    try:
        specs = [f"w={100 + n},fmt=webp" for n in range(6)]
        urls = await asyncio.gather(
            *[editor(RENDITION, {"id": asset["id"], "spec": s}) for s in specs]
        )
    finally:
        gate.on_decode = None
    assert all(u["renditionUrl"] for u in urls)
    assert total == 6 and most <= hub_settings.media_max_concurrent_decodes == 2


async def test_uploading_an_81_megapixel_png_is_refused_with_image_too_large(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/media/uploads",
        content=claimed_png(9000, 9000),
        params={"filename": "big.png"},
        headers=AUTH,
    )
    assert response.status_code == 422, response.text
    body = response.json()["errors"][0]["extensions"]
    assert body["code"] == "IMAGE_TOO_LARGE" and "81.0 百万像素" in body["message_zh"]
