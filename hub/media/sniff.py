"""Which kind of file this is, from its first bytes (magic numbers), never from its name.

Pure functions: `sniff(head)` names the format of the first `SNIFF_BYTES` bytes, and
`check_name(filename, detected)` refuses a file whose extension claims another format.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import HubError
from hub.media.errors import MediaCodes

SNIFF_BYTES = 64
"""How many leading bytes `sniff` needs (fewer only when the whole file is shorter)."""


@dataclass(frozen=True, slots=True)
class MediaType:
    """One accepted format: its kind (image, video, audio, document), MIME type and names."""

    kind: str
    mime: str
    label: str
    extension: str
    extensions: frozenset[str]


def _t(kind: str, mime: str, label: str, *exts: str) -> MediaType:
    return MediaType(kind, mime, label, exts[0], frozenset(exts))


JPEG = _t("image", "image/jpeg", "JPEG 图片", "jpg", "jpeg", "jpe", "jfif")
PNG = _t("image", "image/png", "PNG 图片", "png")
WEBP = _t("image", "image/webp", "WebP 图片", "webp")
GIF = _t("image", "image/gif", "GIF 图片", "gif")
# ISO-BMFF video: phones write MP4 or QuickTime; players accept either name for either.
MP4 = _t("video", "video/mp4", "MP4 视频", "mp4", "m4v", "mov")
MOV = _t("video", "video/quicktime", "MOV 视频", "mov", "mp4", "m4v")
WEBM = _t("video", "video/webm", "WebM 视频", "webm")
MP3 = _t("audio", "audio/mpeg", "MP3 音频", "mp3")
M4A = _t("audio", "audio/mp4", "M4A 音频", "m4a", "m4b", "mp4")
PDF = _t("document", "application/pdf", "PDF 文档", "pdf")

ALL_TYPES = (JPEG, PNG, WEBP, GIF, MP4, MOV, WEBM, MP3, M4A, PDF)

_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_QUICKTIME_BRANDS = {b"qt  "}


def _ftyp(head: bytes) -> MediaType | None:
    # ISO base media: [size:4]["ftyp"][major brand:4][minor:4][compatible brands...]
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in _AUDIO_BRANDS:
        return M4A
    if brand in _QUICKTIME_BRANDS:
        return MOV
    if brand[:3] in (b"hei", b"mif", b"avi", b"hev") or brand in (
        b"heic",
        b"heix",
        b"avif",
        b"mif1",
    ):
        return None  # HEIF/AVIF still images: not (yet) accepted
    return MP4


def _mp3(head: bytes) -> bool:
    if head.startswith(b"ID3"):
        return True
    # an MPEG audio frame header: 11 sync bits, version != reserved, layer III
    return (
        len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) == 0x02
    )


def sniff(head: bytes) -> MediaType | None:
    """The format of a file starting with `head`, or None when it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML: the DocType element (0x42 0x82) names webm or matroska in the header
        return WEBM if b"webm" in head[:SNIFF_BYTES] else None
    found = _ftyp(head)
    if found is not None:
        return found
    if _mp3(head):
        return MP3
    return None


def extension_of(filename: str | None) -> str | None:
    """The lowercase extension of a file name, without the dot (None if it has none)."""
    if not filename:
        return None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return None
    return base.rsplit(".", 1)[-1].lower() or None


def identify(head: bytes, filename: str | None) -> MediaType:
    """The accepted format of a file, or a HubError (unsupported or a lying extension)."""
    detected = sniff(head)
    if detected is None:
        raise HubError(MediaCodes.MEDIA_TYPE_UNSUPPORTED, filename=filename)
    ext = extension_of(filename)
    if ext is not None and ext not in detected.extensions:
        raise HubError(
            MediaCodes.MEDIA_TYPE_MISMATCH,
            extension=ext,
            detected=detected.label,
            mime=detected.mime,
        )
    return detected
