"""Renditions (衍生图): resized, cropped and re-encoded images, derived on demand.

A spec is a named preset (the channel covers) or `w=,h=,fit=,fmt=,q=` pairs. The
spec, the asset's focal point and the asset id make the blob key, so a rendition is
made once and then served from the blob store. The geometry is plain arithmetic
(`crop_box`, `decode_scale`), tested without images; `render` does the Pillow work
(sync; the service runs it through hub/media/decoding.py's DecodeGate).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageOps

from hub.errors import HubError
from hub.media.decoding import check_frames, check_size, open_image
from hub.media.errors import MediaCodes

FORMATS = {
    "jpeg": ("JPEG", "jpg", "image/jpeg"),
    "png": ("PNG", "png", "image/png"),
    "webp": ("WEBP", "webp", "image/webp"),
}
FITS = ("crop", "inside")
MAX_SIDE = 4096


@dataclass(frozen=True, slots=True)
class Spec:
    """What to make: at most `width` x `height`; `crop` fills that box exactly (aspect kept
    by cutting around the focal point), `inside` fits the whole image within it."""

    width: int | None
    height: int | None
    fit: str = "inside"
    fmt: str = "jpeg"
    quality: int = 82

    @property
    def extension(self) -> str:
        return FORMATS[self.fmt][1]

    @property
    def mime(self) -> str:
        return FORMATS[self.fmt][2]

    def canonical(self) -> str:
        return f"w{self.width or 0}-h{self.height or 0}-{self.fit}-q{self.quality}"


PRESETS: dict[str, Spec] = {
    # 微信公众号 头条封面 2.35:1 and 次条/分享 1:1
    "wechat-cover": Spec(900, 383, "crop", "jpeg"),
    "wechat-square": Spec(500, 500, "crop", "jpeg"),
    # 抖音 vertical cover 9:16
    "douyin-vertical": Spec(1080, 1920, "crop", "jpeg"),
    # editors' lists and the app
    "thumb": Spec(320, 320, "inside", "webp"),
    "large": Spec(1600, 1600, "inside", "webp"),
}


def _bad(reason_zh: str, reason_en: str) -> HubError:
    return HubError(MediaCodes.RENDITION_SPEC_INVALID, reason_zh=reason_zh, reason_en=reason_en)


def _int(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise _bad(
            f"{name} 应为 {low} 到 {high} 之间的整数",
            f"{name} must be an integer from {low} to {high}",
        )
    return int(value)


def parse_spec(text: str) -> Spec:
    """A preset name (`wechat-cover`) or pairs like `w=800,h=450,fit=crop,fmt=webp,q=80`."""
    text = text.strip()
    if text in PRESETS:
        return PRESETS[text]
    values: dict[str, str] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in ("w", "h", "fit", "fmt", "q"):
            raise _bad(
                f"无法识别“{part}”;可用预设:{', '.join(PRESETS)},或 w=,h=,fit=crop|inside,fmt=jpeg|png|webp,q=",
                f"cannot read {part!r}; use a preset ({', '.join(PRESETS)}) or w=,h=,fit=,fmt=,q=",
            )
        values[name.strip()] = value.strip()
    width = _int("w", values["w"], 1, MAX_SIDE) if "w" in values else None
    height = _int("h", values["h"], 1, MAX_SIDE) if "h" in values else None
    if width is None and height is None:
        raise _bad("至少要给出宽度 w 或高度 h", "give a width w or a height h")
    fit = values.get("fit", "inside")
    if fit not in FITS:
        raise _bad("fit 只能是 crop 或 inside", "fit must be crop or inside")
    if fit == "crop" and (width is None or height is None):
        raise _bad("裁剪需要同时给出 w 和 h", "crop needs both w and h")
    fmt = values.get("fmt", "jpeg").lower().replace("jpg", "jpeg")
    if fmt not in FORMATS:
        raise _bad("格式只能是 jpeg、png 或 webp", "fmt must be jpeg, png or webp")
    quality = _int("q", values["q"], 1, 100) if "q" in values else 82
    return Spec(width, height, fit, fmt, quality)


def crop_box(
    width: int, height: int, aspect: float, fx: float, fy: float
) -> tuple[int, int, int, int]:
    """The largest box of the given aspect (w/h) inside the image, centred on the focal
    point (fx, fy in 0..1) as far as the edges allow: (left, top, right, bottom)."""
    fx, fy = min(max(fx, 0.0), 1.0), min(max(fy, 0.0), 1.0)
    if width / height > aspect:
        cw, ch = max(1, round(height * aspect)), height
    else:
        cw, ch = width, max(1, round(width / aspect))
    left = min(max(round(fx * width - cw / 2), 0), width - cw)
    top = min(max(round(fy * height - ch / 2), 0), height - ch)
    return left, top, left + cw, top + ch


def target_size(width: int, height: int, spec: Spec) -> tuple[int, int]:
    """The output size for an `inside` fit: within the box, aspect kept, never enlarged."""
    scales = [1.0]
    if spec.width:
        scales.append(spec.width / width)
    if spec.height:
        scales.append(spec.height / height)
    scale = min(scales)
    return max(1, round(width * scale)), max(1, round(height * scale))


_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height
_ORIENTATION = 0x0112


def decode_scale(width: int, height: int, spec: Spec, focal: tuple[float, float]) -> float:
    """The smallest scale (<= 1) of the displayed image that still gives the rendition its
    full resolution: what a JPEG may be decoded at (`Image.draft`, 1/2 to 1/8)."""
    if spec.fit == "crop":
        assert spec.width and spec.height
        left, top, right, bottom = crop_box(width, height, spec.width / spec.height, *focal)
        return min(1.0, max(spec.width / (right - left), spec.height / (bottom - top)))
    w, h = target_size(width, height, spec)
    return min(1.0, max(w / width, h / height))


def render(
    data: bytes, spec: Spec, focal: tuple[float, float], max_pixels: int, max_frames: int = 1_000
) -> bytes:
    """Make the rendition of an image given as bytes (sync: run it through the DecodeGate).
    The size and frame count are checked from the headers before anything is decoded; a
    JPEG is decoded at the smallest DCT scale that still covers the rendition."""
    with open_image(io.BytesIO(data)) as opened:
        check_size(opened.width, opened.height, max_pixels)
        check_frames(opened, max_frames)
        opened.seek(0)  # the first frame of an animation
        if opened.format == "JPEG":
            rotated = opened.getexif().get(_ORIENTATION, 1) in _ROTATED
            shown = (opened.height, opened.width) if rotated else opened.size
            scale = decode_scale(*shown, spec, focal)
            if scale < 1.0:
                opened.draft(
                    "RGB", (math.ceil(opened.width * scale), math.ceil(opened.height * scale))
                )
        opened.load()
        ImageOps.exif_transpose(opened, in_place=True)  # a copy would double the decoded picture
        img: Image.Image = opened
    if spec.fit == "crop":
        assert spec.width and spec.height
        box = crop_box(img.width, img.height, spec.width / spec.height, *focal)
        img = img.crop(box)
        # the box has the spec's aspect; shrink it to the spec's size, never enlarge
        size = (spec.width, spec.height) if img.width >= spec.width else img.size
    else:
        size = target_size(img.width, img.height, spec)
    if size != img.size:
        # a box reduction first keeps LANCZOS' intermediate picture small (and quick)
        img = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    fmt = FORMATS[spec.fmt][0]
    if fmt == "JPEG" and img.mode != "RGB":
        img = _flatten(img)
    elif img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA")
    out = io.BytesIO()
    options: dict[str, object] = (
        {"quality": spec.quality} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    )
    img.save(out, fmt, **options)
    return out.getvalue()


def _flatten(img: Image.Image) -> Image.Image:
    """Transparent pixels on white, for formats without alpha (JPEG)."""
    rgba = img.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
