"""Charts as PNG: the SVG that `charts.py` writes, drawn with Pillow, for front-ends
and documents that cannot show SVG (a WeChat article, a printed report).

Only the subset `charts.py` emits is understood (rect, line, polyline, circle, text,
and pie slices as `M cx,cy L x0,y0 A r,r 0 large 1 x1,y1 Z`); anything else is left
out. Text needs a font with Chinese: the first of `FONT_CANDIDATES` that exists
(Debian: fonts-wqy-microhei or fonts-noto-cjk); without one, Pillow's own font draws
Latin text only.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

NS = "{http://www.w3.org/2000/svg}"
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
SCALE = 2  # drawn at twice the SVG's size: sharp on phones and when printed
_PIE = re.compile(
    r"M([\d.]+),([\d.]+) L([\d.-]+),([\d.-]+) A([\d.]+),[\d.]+ 0 \d 1 ([\d.-]+),([\d.-]+) Z"
)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_CANDIDATES:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _num(value: str | None, whole: float = 0.0) -> float:
    if not value:
        return 0.0
    if value.endswith("%"):
        return whole * float(value[:-1]) / 100
    return float(value)


def svg_to_png(svg: str) -> bytes:
    """The chart as PNG (RGB, twice the SVG's width and height)."""
    root = ET.fromstring(svg)
    width, height = _num(root.get("width")), _num(root.get("height"))
    img = Image.new("RGB", (int(width * SCALE), int(height * SCALE)), "#fff")
    draw = ImageDraw.Draw(img)
    base_size = _num(root.get("font-size")) or 12
    s = SCALE
    for el in root:
        tag = el.tag.removeprefix(NS)
        fill = el.get("fill") or "#000"
        if tag == "rect":
            x, y = _num(el.get("x")), _num(el.get("y"))
            w, h = _num(el.get("width"), width), _num(el.get("height"), height)
            if w > 0 and h > 0:
                draw.rectangle([x * s, y * s, (x + w) * s - 1, (y + h) * s - 1], fill=fill)
        elif tag == "line":
            draw.line(
                [
                    _num(el.get("x1")) * s,
                    _num(el.get("y1")) * s,
                    _num(el.get("x2")) * s,
                    _num(el.get("y2")) * s,
                ],
                fill=el.get("stroke") or "#000",
                width=s,
            )
        elif tag == "polyline":
            pts = [
                (float(a) * s, float(b) * s)
                for a, b in (p.split(",") for p in (el.get("points") or "").split())
            ]
            if len(pts) > 1:
                draw.line(
                    pts,
                    fill=el.get("stroke") or "#000",
                    width=int(_num(el.get("stroke-width")) or 1) * s,
                    joint="curve",
                )
            elif pts:
                x, y = pts[0]
                draw.ellipse(
                    [x - 2 * s, y - 2 * s, x + 2 * s, y + 2 * s], fill=el.get("stroke") or "#000"
                )
        elif tag == "circle":
            cx, cy, r = _num(el.get("cx")) * s, _num(el.get("cy")) * s, _num(el.get("r")) * s
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
        elif tag == "path":
            m = _PIE.fullmatch((el.get("d") or "").strip())
            if m:
                cx, cy, x0, y0, r, x1, y1 = (float(v) for v in m.groups())
                start = math.degrees(math.atan2(y0 - cy, x0 - cx))
                end = math.degrees(math.atan2(y1 - cy, x1 - cx))
                end = end + 360 if end <= start else end
                draw.pieslice(
                    [(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], start, end, fill=fill
                )
        elif tag == "text":
            text = "".join(
                t for t in ([el.text or ""] + [child.tail or "" for child in el])
            ).strip()
            if not text:
                continue
            font = _font(int((_num(el.get("font-size")) or base_size) * s))
            anchor = {"middle": "ms", "end": "rs"}.get(el.get("text-anchor") or "", "ls")
            draw.text(
                (_num(el.get("x")) * s, _num(el.get("y")) * s),
                text,
                fill=fill,
                font=font,
                anchor=anchor,
            )
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()
