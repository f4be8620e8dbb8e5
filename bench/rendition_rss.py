"""Peak and remaining memory (RSS) of six renditions of one big PNG made at once.

Each case runs in a fresh process: it reads a PNG of 81 or 36 megapixels (noise tiles,
so it is not trivially small; made beforehand), then asks for six `large` renditions of it concurrently and
reports the process's peak RSS and its RSS a moment after the renditions finished.

- `unbounded`: what the hub did before (`legacy_render`, the old code): six threads
  decode at once (budget 100 MP), nothing given back;
- `gated`: the hub now: the process's DecodeGate (RONGHUB_MEDIA_MAX_CONCURRENT_DECODES,
  2) and the pixel budget (RONGHUB_MEDIA_MAX_IMAGE_PIXELS, 40 MP), freed memory returned.

    python -m bench.rendition_rss                   # 81 MP and 36 MP, both cases
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import sys
import tempfile
import time

from PIL import Image, ImageOps

from hub.media.decoding import DecodeGate, limit_pillow
from hub.media.renditions import FORMATS, PRESETS, Spec, render, target_size
from hub.settings import Settings


def rss_mb(field: str = "VmRSS") -> float:
    """RSS now, or its high-water mark (VmHWM: unlike ru_maxrss it does not carry over the
    parent's peak across exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def big_png(megapixels: float) -> bytes:
    side = int((megapixels * 1e6) ** 0.5)
    tile = Image.frombytes("RGB", (512, 512), os.urandom(512 * 512 * 3))
    img = Image.new("RGB", (side, side))
    for x in range(0, side, 512):
        for y in range(0, side, 512):
            img.paste(tile, (x, y))
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=1)
    return out.getvalue()


def legacy_render(data: bytes, spec: Spec, focal: tuple[float, float], max_pixels: int) -> bytes:
    """`render` as it was before the decode limits (for the `unbounded` baseline): the whole
    picture decoded, transposed into a copy, resized with LANCZOS in one step."""
    with Image.open(io.BytesIO(data)) as opened:
        if opened.width * opened.height > max_pixels:
            raise ValueError("image too large")
        opened.seek(0)
        img = ImageOps.exif_transpose(opened)
    size = target_size(img.width, img.height, spec)
    if size != img.size:
        img = img.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, FORMATS[spec.fmt][0], quality=spec.quality)
    return out.getvalue()


async def six(data: bytes, case: str) -> list[str]:
    spec, focal = PRESETS["large"], (0.5, 0.5)
    if case == "unbounded":
        jobs = [asyncio.to_thread(legacy_render, data, spec, focal, 100_000_000) for _ in range(6)]
    else:
        settings = Settings()
        limit_pillow(settings.media_max_image_pixels)
        gate = DecodeGate(settings.media_max_concurrent_decodes)
        jobs = [
            gate.run(render, data, spec, focal, settings.media_max_image_pixels) for _ in range(6)
        ]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    return [
        r.code if hasattr(r, "code") else ("ok" if isinstance(r, bytes) else repr(r))
        for r in results
    ]


def one(case: str, path: str) -> dict[str, object]:
    with open(path, "rb") as f:
        data = f.read()
    with Image.open(io.BytesIO(data)) as img:
        megapixels = round(img.width * img.height / 1e6, 1)
    before = rss_mb()
    started = time.perf_counter()
    outcomes = asyncio.run(six(data, case))
    seconds = time.perf_counter() - started
    time.sleep(0.5)
    return {
        "case": case,
        "megapixels": megapixels,
        "png_mb": round(len(data) / 2**20, 1),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(rss_mb("VmHWM")),
        "rss_after_mb": round(rss_mb()),
        "seconds": round(seconds, 1),
        "outcomes": outcomes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=["unbounded", "gated"])
    parser.add_argument("--png", help="(internal) the PNG a case process reads")
    args = parser.parse_args()
    if args.case and args.png:
        print(json.dumps(one(args.case, args.png), ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for megapixels in (81.0, 36.0):
            path = os.path.join(tmp, f"{megapixels:.0f}mp.png")
            with open(path, "wb") as f:
                f.write(big_png(megapixels))
            for case in ("unbounded", "gated"):
                subprocess.run(
                    [sys.executable, "-m", "bench.rendition_rss", "--case", case, "--png", path],
                    check=True,
                )


if __name__ == "__main__":
    main()
