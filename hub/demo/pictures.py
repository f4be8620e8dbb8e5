"""Pictures for the demo center's image assets, drawn at seed time with Pillow.

Each is a small landscape (sky, sun, hills, water) whose colours and shapes follow from
the asset's name, so every demo story has a real, distinct cover that renditions,
feeds and the console can show, and nothing binary is kept in the repository.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw

SIZE = (960, 540)


def demo_picture(name: str, size: tuple[int, int] = SIZE) -> bytes:
    """A JPEG of `size`, the same for the same `name`."""
    seed = hashlib.sha256(name.encode()).digest()
    width, height = size
    sky_top = (40 + seed[0] % 60, 90 + seed[1] % 80, 160 + seed[2] % 90)
    sky_low = (200 + seed[3] % 55, 170 + seed[4] % 60, 120 + seed[5] % 80)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    horizon = int(height * (0.55 + (seed[6] % 15) / 100))
    for y in range(horizon):  # a vertical gradient sky
        t = y / max(1, horizon - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(sky_top, sky_low, strict=True)),
        )
    sun_x, sun_r = width * (0.15 + (seed[7] % 70) / 100), 30 + seed[8] % 40
    draw.ellipse(
        [sun_x - sun_r, horizon * 0.35 - sun_r, sun_x + sun_r, horizon * 0.35 + sun_r],
        fill=(255, 236, 180),
    )
    for layer in range(3):  # hills, farther ones lighter
        base = 60 + layer * 25
        colour = (base - 20 + seed[9 + layer] % 30, base + 50 + seed[12 + layer] % 50, base - 10)
        peaks = [(0, horizon)]
        for i in range(7):
            x = width * (i + 0.5) / 6
            peaks.append(
                (round(x), horizon - 40 - (seed[15 + layer * 5 + i % 5] % 90) + layer * 30)
            )
        peaks += [(width, horizon), (width, height), (0, height)]
        draw.polygon(peaks, fill=colour)
    water = (30 + seed[30] % 40, 90 + seed[31] % 60, 130 + seed[29] % 70)
    draw.rectangle([0, horizon + (height - horizon) // 2, width, height], fill=water)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
