"""What is inside a media file: dimensions of images, duration and codec of video/audio.

Synchronous (Pillow and PyAV read local files); callers run these in a thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from hub.errors import HubError
from hub.media.decoding import check_frames, check_size, open_image
from hub.media.errors import MediaCodes

_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height
_ORIENTATION = 0x0112


@dataclass(frozen=True, slots=True)
class Probe:
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    codec: str | None = None


def probe_image(path: Path, max_pixels: int, max_frames: int = 1_000) -> Probe:
    """An image's displayed size (EXIF rotation applied); refuses damaged images, and huge
    ones or animations with too many frames (IMAGE_TOO_LARGE, IMAGE_TOO_MANY_FRAMES) from
    their headers, before anything is decoded."""
    try:
        with open_image(path) as img:
            width, height = img.size
            check_size(width, height, max_pixels)
            orientation = img.getexif().get(_ORIENTATION, 1)
            check_frames(img, max_frames)
        with Image.open(path) as img:  # the checks moved the image on: open again
            img.verify()  # reads the whole file without decoding it: catches truncated data
    except HubError:
        raise
    except Exception as exc:
        raise HubError(
            MediaCodes.MEDIA_UNREADABLE,
            reason_zh=f"解码出错({type(exc).__name__})",
            reason_en=type(exc).__name__,
        ) from None
    if orientation in _ROTATED:
        width, height = height, width
    return Probe(width=width, height=height, codec=None)


def probe_av(path: Path, max_pixels: int | None = None) -> Probe:
    """Duration, dimensions and codec of a video or audio file, read with PyAV (which
    decodes a few frames to find them: callers run it through the DecodeGate). A video
    whose frame is over `max_pixels` is refused (IMAGE_TOO_LARGE, or MEDIA_UNREADABLE when
    FFmpeg, held to `max_pixels`, could not find the size at all)."""
    import av  # here, not at import: ~0.07 CPU-s every hub process paid, most never probing

    # FFmpeg decodes a few frames to find the streams' parameters: its own `max_pixels`
    # keeps it from allocating frames over the budget (it then reports no frame size)
    options = [{"max_pixels": str(max_pixels)}] * 16 if max_pixels is not None else []
    try:
        # (PyAV's stub says list[str]; it takes one option dict per stream)
        with av.open(str(path), stream_options=options) as container:  # type: ignore[arg-type]
            duration = container.duration  # in av.time_base units (microseconds)
            video = next(iter(container.streams.video), None)
            audio = next(iter(container.streams.audio), None)
            if duration is None:
                stream = video or audio
                if (
                    stream is not None
                    and stream.duration is not None
                    and stream.time_base is not None
                ):
                    duration = int(stream.duration * stream.time_base * av.time_base)
            if video is not None:
                ctx = video.codec_context
                if max_pixels is not None and ctx.width and ctx.height:
                    check_size(ctx.width, ctx.height, max_pixels)
                elif max_pixels is not None:  # over FFmpeg's max_pixels, or no size at all
                    raise HubError(
                        MediaCodes.MEDIA_UNREADABLE,
                        reason_zh="无法读取视频画面尺寸(或画面过大)",
                        reason_en="no readable frame size (or too large)",
                    )
                return Probe(
                    width=ctx.width or None,
                    height=ctx.height or None,
                    duration_ms=None if duration is None else int(duration * 1000 // av.time_base),
                    codec=ctx.name,
                )
            if audio is not None:
                return Probe(
                    duration_ms=None if duration is None else int(duration * 1000 // av.time_base),
                    codec=audio.codec_context.name,
                )
    except HubError:
        raise
    except Exception as exc:
        raise HubError(
            MediaCodes.MEDIA_UNREADABLE,
            reason_zh=f"解码出错({type(exc).__name__})",
            reason_en=type(exc).__name__,
        ) from None
    raise HubError(
        MediaCodes.MEDIA_UNREADABLE, reason_zh="没有音视频流", reason_en="no audio or video stream"
    )


def probe(path: Path, kind: str, max_pixels: int, max_frames: int = 1_000) -> Probe:
    """Probe by kind; documents (PDF) carry no dimensions."""
    if kind == "image":
        return probe_image(path, max_pixels, max_frames)
    if kind in ("video", "audio"):
        return probe_av(path, max_pixels)
    return Probe()
