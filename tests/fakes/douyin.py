"""A local 抖音 open platform: OAuth refresh, video upload (single and part), create,
data status (1 live / 2 not suitable / 4 reviewing), image upload/create and delete.

Answers use the platform's envelope: {"data": {"error_code": 0, "description": "", ...},
"extra": {...}}. Tokens expire on demand (`expire_tokens`) to exercise refresh.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response, post
from litestar.datastructures import UploadFile

from tests.fakes.base import FakePlatform

CLIENT_KEY = "awtestclientkey"
OPEN_ID = "open-id-center"
REFRESH_TOKEN = "rft-initial"


def envelope(error_code: int = 0, description: str = "", **data: Any) -> dict[str, Any]:
    return {
        "data": {"error_code": error_code, "description": description, **data},
        "extra": {
            "error_code": error_code,
            "description": description,
            "logid": secrets.token_hex(8),
        },
    }


@dataclass
class FakeDouyin(FakePlatform):
    """State of the fake: tokens, uploads, published items and their review outcomes."""

    min_chunk_bytes: int = 5 * 2**20
    refresh_token: str = REFRESH_TOKEN
    access_tokens: set[str] = field(default_factory=set)
    token_refreshes: int = 0
    uploads: dict[str, dict[int, bytes]] = field(default_factory=dict)
    videos: dict[str, bytes] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    review: list[int] = field(
        default_factory=lambda: [4, 1]
    )  # statuses /video/data/ reports, in order
    stats: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # item_id -> statistics (a test grows them)

    def expire_tokens(self) -> None:
        """Every issued access token stops working."""
        self.access_tokens.clear()

    def app(self) -> Litestar:
        fake = self

        def authorised(request: Request[Any, Any, Any]) -> Response[Any] | None:
            if request.query_params.get("open_id") != OPEN_ID:
                return Response(envelope(2190002, "open_id 无效"))
            if request.headers.get("access-token") not in fake.access_tokens:
                return Response(envelope(2190008, "access_token过期,请刷新或重新授权"))
            return None

        async def file_of(request: Request[Any, Any, Any], name: str) -> bytes:
            form = await request.form()
            upload = form.get(name)
            assert isinstance(upload, UploadFile), f"multipart field {name} missing"
            return await upload.read()

        @post("/oauth/refresh_token/", status_code=200)
        async def refresh(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/oauth/refresh_token/"):
                return failed
            form = await request.form()
            if (
                form.get("client_key") != CLIENT_KEY
                or form.get("refresh_token") != fake.refresh_token
            ):
                return envelope(10010, "refresh_token 无效")
            fake.token_refreshes += 1
            token = "act." + secrets.token_hex(8)
            fake.access_tokens.add(token)
            fake.refresh_token = "rft." + secrets.token_hex(8)  # rotates on every refresh
            return envelope(
                access_token=token,
                expires_in=1_296_000,
                refresh_token=fake.refresh_token,
                open_id=OPEN_ID,
                scope="video.create,video.data,video.delete",
            )

        @post("/video/upload/", status_code=200)
        async def upload(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/video/upload/") or authorised(request):
                return failed
            video_id = "v0" + secrets.token_hex(6)
            fake.videos[video_id] = await file_of(request, "video")
            return envelope(video={"video_id": video_id, "width": 720, "height": 1280})

        @post("/video/part/init/", status_code=200)
        async def part_init(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/video/part/init/") or authorised(request):
                return failed
            upload_id = "up" + secrets.token_hex(6)
            fake.uploads[upload_id] = {}
            return envelope(upload_id=upload_id)

        @post("/video/part/upload/", status_code=200)
        async def part_upload(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/video/part/upload/") or authorised(request):
                return failed
            upload_id = request.query_params.get("upload_id", "")
            if upload_id not in fake.uploads:
                return envelope(2190014, "upload_id 无效或已过期")
            fake.uploads[upload_id][int(request.query_params["part_number"])] = await file_of(
                request, "video"
            )
            return envelope()

        @post("/video/part/complete/", status_code=200)
        async def part_complete(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/video/part/complete/") or authorised(request):
                return failed
            parts = fake.uploads.pop(request.query_params.get("upload_id", ""), None)
            if not parts or sorted(parts) != list(range(1, len(parts) + 1)):
                return envelope(2190014, "分片不完整")
            if any(len(parts[n]) < fake.min_chunk_bytes for n in sorted(parts)[:-1]):
                return envelope(2190013, "分片大小不能小于 5MB")
            video_id = "v0" + secrets.token_hex(6)
            fake.videos[video_id] = b"".join(parts[n] for n in sorted(parts))
            return envelope(video={"video_id": video_id})

        @post("/video/create/", status_code=200)
        async def create(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/video/create/") or authorised(request):
                return failed
            body = await request.json()
            if body.get("video_id") not in fake.videos:
                return envelope(2190011, "video_id 无效")
            item_id = "@" + secrets.token_hex(8)
            fake.items[item_id] = {"kind": "video", **body, "review": list(fake.review)}
            return envelope(item_id=item_id)

        @post("/image/upload/", status_code=200)
        async def image_upload(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/image/upload/") or authorised(request):
                return failed
            image_id = "img" + secrets.token_hex(6)
            fake.images[image_id] = await file_of(request, "image")
            return envelope(image={"image_id": image_id})

        @post("/image/create/", status_code=200)
        async def image_create(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/image/create/") or authorised(request):
                return failed
            body = await request.json()
            if any(i not in fake.images for i in body.get("image_list") or [body.get("image_id")]):
                return envelope(2190011, "image_id 无效")
            item_id = "@" + secrets.token_hex(8)
            fake.items[item_id] = {"kind": "image", **body, "review": list(fake.review)}
            return envelope(item_id=item_id)

        @post("/video/data/", status_code=200)
        async def data(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/video/data/") or authorised(request):
                return failed
            listed = []
            for item_id in (await request.json()).get("item_ids") or []:
                item = fake.items.get(item_id)
                if item is None:
                    continue
                status = item["review"].pop(0) if len(item["review"]) > 1 else item["review"][0]
                listed.append(
                    {
                        "item_id": item_id,
                        "title": item.get("text"),
                        "video_status": status,
                        "is_reviewed": status != 4,
                        "share_url": f"https://www.iesdouyin.com/share/video/{item_id}/"
                        if status == 1
                        else "",
                        "statistics": fake.stats.get(item_id)
                        or {
                            "play_count": 1200,
                            "digg_count": 88,
                            "comment_count": 9,
                            "share_count": 4,
                            "forward_count": 2,
                            "download_count": 0,
                        },
                    }
                )
            return envelope(list=listed)

        @post("/video/delete/", status_code=200)
        async def delete(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/video/delete/") or authorised(request):
                return failed
            if fake.items.pop((await request.json()).get("item_id"), None) is None:
                return envelope(2190016, "视频不存在")
            return envelope()

        handlers = [
            refresh,
            upload,
            part_init,
            part_upload,
            part_complete,
            create,
            image_upload,
            image_create,
            data,
            delete,
        ]
        return Litestar(handlers, debug=False, request_max_body_size=64 * 2**20)
