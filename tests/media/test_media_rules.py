"""Media rules without a server: sniffing, signing, rendition specs and geometry, ingest."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import HubError
from hub.media import signing
from hub.media.assets import check_gov_alt, missing_alt
from hub.media.blobs import iterate
from hub.media.ingest import Ingest
from hub.media.renditions import PRESETS, Spec, crop_box, parse_spec, target_size
from hub.media.sniff import extension_of, identify, sniff
from hub.store.documents import AssetDoc
from tests.media.helpers import image_bytes

HEADS = {
    "image/jpeg": image_bytes("JPEG"),
    "image/png": image_bytes("PNG"),
    "image/webp": image_bytes("WEBP"),
    "image/gif": image_bytes("GIF"),
    "video/mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 32,
    "video/quicktime": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 40,
    "audio/mp4": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 32,
    "video/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"
    + b"\x00" * 30,
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 60,
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 60,
}


@pytest.mark.parametrize("mime", sorted(HEADS))
def test_each_accepted_format_is_recognised_by_its_first_bytes(mime: str) -> None:
    found = sniff(HEADS[mime][:64])
    assert found is not None and found.mime == mime


def test_mp3_without_id3_tag_is_recognised_by_its_frame_header() -> None:
    assert sniff(b"\xff\xfb\x90\x64" + b"\x00" * 60).mime == "audio/mpeg"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"hello world",
        b"MZ\x90\x00",
        b"PK\x03\x04",
        b"\x1a\x45\xdf\xa3" + b"\x00" * 20 + b"matroska",
        b"\x00\x00\x00\x18ftypheic",
    ],
    ids=["empty", "text", "exe", "zip", "mkv", "heic"],
)
def test_other_content_is_not_accepted(head: bytes) -> None:
    assert sniff(head) is None
    with pytest.raises(HubError) as caught:
        identify(head, "x.jpg")
    assert caught.value.code == "MEDIA_TYPE_UNSUPPORTED"


@pytest.mark.parametrize(
    ("mime", "name"),
    [
        ("video/mp4", "clip.MOV"),
        ("video/quicktime", "clip.mp4"),
        ("image/jpeg", "a.JPEG"),
        ("audio/mp4", "song.m4a"),
        ("image/png", None),
        ("image/png", "noext"),
    ],
)
def test_names_that_fit_the_content_are_accepted(mime: str, name: str | None) -> None:
    assert identify(HEADS[mime][:64], name).mime == mime


def test_lying_extension_is_refused_in_chinese_and_english() -> None:
    with pytest.raises(HubError) as caught:
        identify(HEADS["application/pdf"], "报告.jpg")
    err = caught.value
    assert err.code == "MEDIA_TYPE_MISMATCH" and err.http_status == 415
    assert ".jpg" in err.message_zh and "PDF" in err.message_zh
    assert ".jpg" in err.message_en


def test_extension_is_read_from_the_last_dot_of_the_base_name() -> None:
    assert extension_of("a/b.c/photo.tar.PNG") == "png"
    assert extension_of(".hidden") is None
    assert extension_of("C:\\dir\\x.jpg") == "jpg"


def test_signed_path_verifies_until_it_expires() -> None:
    key = b"secret"
    url = signing.sign_path(key, "/media/blobs/a/b", 1_000)
    path, _, query = url.partition("?")
    params = dict(p.split("=") for p in query.split("&"))
    signing.verify(key, path, params["exp"], params["sig"], now=999)
    with pytest.raises(HubError) as caught:
        signing.verify(key, path, params["exp"], params["sig"], now=1_001)
    assert caught.value.code == "MEDIA_URL_EXPIRED"
    for bad_path, exp, sig, secret in (
        ("/media/blobs/a/c", params["exp"], params["sig"], key),
        (path, "2000", params["sig"], key),
        (path, params["exp"], params["sig"], b"other"),
        (path, None, None, key),
        (path, "1e9", params["sig"], key),
    ):
        with pytest.raises(HubError) as caught:
            signing.verify(secret, bad_path, exp, sig, now=0)
        assert caught.value.code == "MEDIA_URL_INVALID"


def test_expiry_is_rounded_up_so_links_signed_close_together_are_equal() -> None:
    assert signing.expiry(1_000.2, 3600) == signing.expiry(1_019.0, 3600) == 4_620


@given(
    st.integers(1, 5000),
    st.integers(1, 5000),
    st.sampled_from([2.35, 1.0, 9 / 16, 4 / 3]),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_crop_box_is_inside_the_image_with_the_aspect(
    w: int, h: int, aspect: float, fx: float, fy: float
) -> None:
    left, top, right, bottom = crop_box(w, h, aspect, fx, fy)
    assert 0 <= left < right <= w and 0 <= top < bottom <= h
    assert right - left == w or bottom - top == h  # as large as fits
    if min(right - left, bottom - top) > 50:
        assert abs((right - left) / (bottom - top) - aspect) / aspect < 0.05


def test_crop_box_centres_on_the_focal_point_as_far_as_the_edges_allow() -> None:
    assert crop_box(1000, 500, 1.0, 0.5, 0.5) == (250, 0, 750, 500)
    assert crop_box(1000, 500, 1.0, 0.9, 0.5) == (500, 0, 1000, 500)
    assert crop_box(1000, 500, 1.0, 0.3, 0.5) == (50, 0, 550, 500)
    assert crop_box(900, 1600, 2.35, 0.5, 0.0) == (0, 0, 900, 383)


def test_channel_cover_presets_have_the_platform_aspects() -> None:
    assert PRESETS["wechat-cover"].width / PRESETS["wechat-cover"].height == pytest.approx(
        2.35, abs=0.01
    )  # type: ignore[operator]
    assert PRESETS["wechat-square"].width == PRESETS["wechat-square"].height
    assert PRESETS["douyin-vertical"].width / PRESETS["douyin-vertical"].height == pytest.approx(
        9 / 16
    )  # type: ignore[operator]


def test_spec_pairs_are_parsed_and_bad_ones_explained() -> None:
    assert parse_spec("w=800,h=450,fit=crop,fmt=webp,q=70") == Spec(800, 450, "crop", "webp", 70)
    assert parse_spec("h=200") == Spec(None, 200, "inside", "jpeg", 82)
    for bad in (
        "",
        "w=0",
        "w=99999",
        "fit=crop,w=10",
        "w=10,fmt=tiff",
        "size=big",
        "w=10,fit=stretch",
    ):
        with pytest.raises(HubError) as caught:
            parse_spec(bad)
        assert caught.value.code == "RENDITION_SPEC_INVALID"


def test_inside_fit_never_enlarges() -> None:
    assert target_size(640, 480, Spec(100, None)) == (100, 75)
    assert target_size(640, 480, Spec(None, 48)) == (64, 48)
    assert target_size(640, 480, Spec(2000, 2000)) == (640, 480)


async def _collect(ingest: Ingest) -> bytes:
    return b"".join([c async for c in ingest])


async def test_ingest_counts_hashes_and_types_a_stream() -> None:
    data = image_bytes("PNG")
    ingest = Ingest(iterate(data, 7), limit=len(data), filename="x.png")
    assert await _collect(ingest) == data
    assert (
        ingest.size == len(data)
        and ingest.media_type is not None
        and ingest.media_type.mime == "image/png"
    )
    import hashlib

    assert ingest.sha256 == hashlib.sha256(data).hexdigest()


async def test_ingest_stops_as_soon_as_the_limit_is_passed() -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b"\xff\xd8\xff" + b"\x00" * 1021
        while True:
            pulled += 1
            yield b"\x00" * 1024

    with pytest.raises(HubError) as caught:
        await _collect(Ingest(endless(), limit=10 * 1024, filename="a.jpg"))
    assert caught.value.code == "MEDIA_TOO_LARGE" and caught.value.http_status == 413
    assert pulled == 10


def test_gov_portal_images_need_alt_text() -> None:
    with_alt = AssetDoc.model_construct(id="a", tenant="t", kind="image", alt="县政府大楼")
    without = AssetDoc.model_construct(id="b", tenant="t", kind="image", alt="  ")
    video = AssetDoc.model_construct(id="c", tenant="t", kind="video")
    check_gov_alt([with_alt, video])
    with pytest.raises(HubError) as caught:
        check_gov_alt([with_alt, without])
    assert caught.value.code == "ALT_TEXT_REQUIRED" and "b" in caught.value.message_zh
    assert missing_alt([with_alt, without, video]) == ["b"]


# ---- the media cleanup's rules (hub/media/cleanup.py) ------------------------------------
DAY_MS = 86_400_000


def test_open_upload_is_abandoned_only_after_the_idle_time() -> None:
    from hub.media.cleanup import abandoned_at, is_abandoned

    assert not is_abandoned("open", 1_000, 1_000 + DAY_MS, DAY_MS)
    assert is_abandoned("open", 1_000, 1_001 + DAY_MS, DAY_MS)
    assert abandoned_at("open", 1_000, DAY_MS) == 1_001 + DAY_MS
    for closed in ("completed", "aborted", "expired"):
        assert not is_abandoned(closed, 0, 10 * DAY_MS, DAY_MS)
        assert abandoned_at(closed, 0, DAY_MS) is None


def test_a_completing_upload_keeps_at_least_the_lease_of_a_running_complete() -> None:
    from hub.media.cleanup import COMPLETING_LEASE_MS, is_abandoned

    assert is_abandoned("open", 0, 2_000, 1_000)
    assert not is_abandoned("completing", 0, 2_000, 1_000)  # a slow join is not a crash
    assert is_abandoned("completing", 0, COMPLETING_LEASE_MS + 1, 1_000)


def test_leftovers_never_include_a_live_uploads_parts_or_anything_recent() -> None:
    from hub.media.blobs import BlobEntry
    from hub.media.cleanup import UploadUse, leftovers

    part = BlobEntry("t/c/uploads/u/0000000000000-aa", 10, 100.0)
    stray = BlobEntry("t/c/uploads/u/0000000000000-bb", 10, 100.0)  # lost its race, not deleted
    writing = BlobEntry("t/c/uploads/u/0000000000010-cc", 5, 100.0, partial="upload-id")
    recent = BlobEntry("t/c/uploads/u/0000000000020-dd", 5, 500.0)
    entries = [part, stray, writing, recent]
    live = UploadUse("open", frozenset({part.key}))
    assert leftovers(entries, live, cutoff=200.0) == [stray, writing]
    assert leftovers(entries, UploadUse("completing", frozenset({part.key})), cutoff=200.0) == [
        stray,
        writing,
    ]
    for closed in (
        UploadUse("completed", frozenset()),
        UploadUse("expired", frozenset({part.key})),
        None,
    ):
        assert leftovers(entries, closed, cutoff=200.0) == [part, stray, writing]
    assert leftovers(entries, None, cutoff=50.0) == []


def test_keys_are_told_apart_by_their_upload_folder() -> None:
    from hub.media.cleanup import upload_id_of, upload_prefix

    assert upload_id_of(upload_prefix("c1", "u9") + "direct", "c1") == "u9"
    assert upload_id_of("t/c1/uploads/u9", "c1") is None
    assert upload_id_of("t/c1/a/x/original", "c1") is None
    assert upload_id_of("t/c2/uploads/u9/direct", "c1") is None


@given(
    st.integers(0, 10**13), st.integers(1_000, 10**9), st.one_of(st.none(), st.integers(0, 10**13))
)
def test_sweep_slot_is_a_multiple_at_or_after_the_due_time_and_after_the_running_one(
    due: int, granularity: int, after: int | None
) -> None:
    from hub.media.cleanup import sweep_slot

    slot = sweep_slot(due, granularity, after)
    assert slot % granularity == 0 and slot >= due
    if after is not None:
        assert slot > after
    if after is None or after < due:
        assert slot - due < granularity


def test_uploads_close_together_share_one_sweep() -> None:
    from hub.media.cleanup import sweep_granularity_ms, sweep_slot

    granularity = sweep_granularity_ms(DAY_MS)
    assert granularity == 3_600_000  # hourly at the default of a day
    start = 1_800_000_000_000
    slots = {sweep_slot(start + s * 1000 + DAY_MS, granularity) for s in range(0, 600, 7)}
    assert len(slots) <= 2
    assert sweep_granularity_ms(3_000) == 1_000


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (86_400, "24 小时", "24 hours"),
        (172_800, "2 天", "2 days"),
        (3_600, "1 小时", "1 hour"),
        (5_400, "90 分钟", "90 minutes"),
        (7, "7 秒", "7 seconds"),
    ],
)
def test_the_idle_time_reads_as_an_editor_would_say_it(seconds: int, zh: str, en: str) -> None:
    from hub.media.cleanup import idle_text

    assert idle_text(seconds) == (zh, en)
