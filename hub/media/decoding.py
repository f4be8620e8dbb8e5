"""Bounds on decoding media: how many decodes run at once, and how big a picture may be.

Decoding a picture takes width x height x 4 bytes whatever the file's size: a 1 MB PNG
of 9000x9000 takes 324 MB once decoded, and six of them at once over a gigabyte that
the allocator keeps. So every decode (renditions, probing uploads with PyAV) waits for
one of `media_max_concurrent_decodes` places in this process (`DecodeGate`), runs in a
thread, and pictures over `media_max_image_pixels` (read from the header, before any
decoding) or with more than `media_max_image_frames` frames are refused with
IMAGE_TOO_LARGE.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import re
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

from PIL import Image

from hub.errors import HubError
from hub.media.errors import MediaCodes

T = TypeVar("T")


def too_large(pixels: int, max_pixels: int, **size: int) -> HubError:
    return HubError(
        MediaCodes.IMAGE_TOO_LARGE,
        megapixels=round(pixels / 1e6, 1),
        limit=round(max_pixels / 1e6, 1),
        **size,
    )


def check_size(width: int, height: int, max_pixels: int) -> None:
    """IMAGE_TOO_LARGE if a picture of this size exceeds the budget (no decoding needed)."""
    if width * height > max_pixels:
        raise too_large(width * height, max_pixels, width=width, height=height)


_BOMB = re.compile(r"\((\d+) pixels\) exceeds limit of (\d+) pixels")


@contextlib.contextmanager
def open_image(source: Any) -> Iterator[Image.Image]:
    """`Image.open`, with Pillow's own decompression-bomb refusal (at twice
    `Image.MAX_IMAGE_PIXELS`, before the hub's check sees the size) as IMAGE_TOO_LARGE."""
    try:
        img = Image.open(source)
    except Image.DecompressionBombError as exc:
        found = _BOMB.search(str(exc))
        pixels = int(found.group(1)) if found else 0
        raise too_large(pixels, Image.MAX_IMAGE_PIXELS or 0) from None
    with img:
        yield img


def check_frames(img: Image.Image, max_frames: int) -> int:
    """The frames of an (animated) image, counted from the headers without decoding, at
    most max_frames; IMAGE_FRAMES_EXCEEDED past that. GIF has no frame count in its
    header: its frames are walked, stopping one past the limit."""
    if img.format != "GIF":
        frames = int(getattr(img, "n_frames", 1))
    else:
        frames = 1
        with contextlib.suppress(EOFError):
            while frames <= max_frames:
                img.seek(frames)
                frames += 1
        img.seek(0)
    if frames > max_frames:
        raise HubError(MediaCodes.IMAGE_TOO_MANY_FRAMES, limit=max_frames)
    return frames


def limit_pillow(max_pixels: int) -> None:
    """Pillow's own decompression-bomb check as a second line: it refuses (raises) at twice
    its MAX_IMAGE_PIXELS, so set it to the hub's budget (our check refuses above 1x first)."""
    Image.MAX_IMAGE_PIXELS = max_pixels


_libc: Any = None


def give_back_memory() -> None:
    """Return freed heap memory to the system (glibc `malloc_trim`). A decoded picture's
    buffers are freed after each decode, but glibc keeps large freed blocks in its arenas
    (the threads that decode get arenas of their own) and the process would hold its peak."""
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        _libc = ctypes.CDLL(name) if name else False
    if _libc and hasattr(_libc, "malloc_trim"):
        _libc.malloc_trim(0)


class DecodeGate:
    """At most `places` decodes at once in this process, each in a worker thread.

    One gate per process (`gate_for`); asyncio primitives belong to one event loop, so it
    keeps a semaphore per running loop (one in production). `on_decode` is told when a
    decode starts and ends (`+1`/`-1`), for tests and metrics."""

    def __init__(self, places: int, on_decode: Callable[[int], None] | None = None) -> None:
        self.places = places
        self.on_decode = on_decode
        self._semaphores: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Semaphore
        ] = weakref.WeakKeyDictionary()

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        found = self._semaphores.get(loop)
        if found is None:
            found = self._semaphores[loop] = asyncio.Semaphore(self.places)
        return found

    @contextlib.asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        async with self._semaphore():
            if self.on_decode:
                self.on_decode(1)
            try:
                yield
            finally:
                if self.on_decode:
                    self.on_decode(-1)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a thread once a place is free; freed memory is given back after."""
        async with self.place():
            try:
                return await asyncio.to_thread(fn, *args)
            finally:
                await asyncio.to_thread(give_back_memory)


_GATES: dict[int, DecodeGate] = {}


def gate_for(places: int) -> DecodeGate:
    """The process's gate (one per configured size)."""
    found = _GATES.get(places)
    if found is None:
        found = _GATES[places] = DecodeGate(places)
    return found
