"""`previewStory` over GraphQL shows what delivery will render: the story's media and
metadata reach every channel's preview (no false "media required", no false 政务公开 or
应急广播 problems). The full preview-versus-delivery comparison of every channel is in
tests/distribution/test_preview_matches_delivery.py."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import GraphQLClient
from tests.media.helpers import AUTH, image_bytes, tiny_video

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
PREVIEW = (
    "query($id: ID!) { previewStory(id: $id) { channel fields problems { code } deliverable } }"
)


async def upload(http: httpx.AsyncClient, data: bytes, filename: str, **params: str) -> str:
    r = await http.post(
        "/media/uploads", content=data, params={"filename": filename, **params}, headers=AUTH
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_preview_story_renders_with_the_story_s_media_and_metadata(
    http: httpx.AsyncClient, editor: GraphQLClient, tmp_path: Path
) -> None:
    cover = await upload(http, image_bytes("JPEG", (940, 400)), "cover.jpg", alt="演练现场")
    video = await upload(
        http, tiny_video(tmp_path / "v.mp4").read_bytes(), "clip.mp4", alt="演练视频"
    )
    story = (
        await editor(
            CREATE,
            {
                "i": {
                    "title": "示例区举行防汛应急演练",
                    "bodyText": "示例区今天在城东举行防汛应急演练。",
                    "tags": ["防汛"],
                    "coverAssetId": cover,
                    "assetIds": [cover, video],
                    "channels": ["douyin", "wechat", "gov_site", "emergency"],
                    "metadata": {
                        "issuing_agency": "示例区人民政府办公室",
                        "topic": "综合政务",
                        "written_date": "2026-05-04",
                        "event_type": "11B03",
                        "area_codes": ["330100000000"],
                        "dual_control_approvers": ["自己填的"],
                    },
                }
            },
        )
    )["createStory"]

    got = {p["channel"]: p for p in (await editor(PREVIEW, {"id": story["id"]}))["previewStory"]}
    codes = {c: {p["code"] for p in v["problems"]} for c, v in got.items()}
    assert (
        got["douyin"]["fields"]["video_asset_id"] == video
        and "DOUYIN_MEDIA_REQUIRED" not in codes["douyin"]
    )
    assert (
        got["wechat"]["fields"]["thumb_asset_id"] == cover
        and "WECHAT_THUMB_REQUIRED" not in codes["wechat"]
    )
    assert got["gov_site"]["fields"]["issuing_agency"] == "示例区人民政府办公室"
    assert (
        got["gov_site"]["fields"]["written_date"] == "2026-05-04"
        and "GOV_WRITTEN_DATE_FORMAT" not in codes["gov_site"]
    )
    assert got["emergency"]["fields"]["event_type"] == "11B03"
    # the normal (reviewed) path: no dual control asked for, and names typed into the story are not approvers
    assert not codes["emergency"] & {
        "EMERGENCY_EVENT_TYPE_REQUIRED",
        "EMERGENCY_AREA_REQUIRED",
        "EMERGENCY_DUAL_CONTROL_REQUIRED",
    }
