"""Media made in the tests themselves (no downloads): images with Pillow, video with PyAV."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from hub.media.s3 import MIN_PART, S3BlobStore

AUTH = {"authorization": "Bearer test-dev-token"}


def image_bytes(
    fmt: str = "PNG",
    size: tuple[int, int] = (640, 480),
    color: tuple[int, int, int] = (200, 30, 30),
) -> bytes:
    """An image whose left half is red and right half blue (crops can be told apart)."""
    img = Image.new("RGB", size, color)
    img.paste((20, 40, 220), (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def tiny_video(
    path: Path, width: int = 64, height: int = 48, frames: int = 24, fps: int = 12
) -> Path:
    """A 2-second MPEG-4 video encoded here with PyAV."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for i in range(frames):
            img = Image.new("RGB", (width, height), (i * 10 % 255, 80, 160))
            frame = av.VideoFrame.from_image(img)
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def s3_store(settings: dict[str, str]) -> S3BlobStore:
    """The S3 backend on moto's server (the `moto_s3` fixture), with the smallest parts."""
    return S3BlobStore(
        settings["s3_endpoint"],
        settings["s3_bucket"],
        settings["s3_region"],
        settings.get("s3_access_key"),
        settings.get("s3_secret_key"),
        part_size=MIN_PART,
    )
