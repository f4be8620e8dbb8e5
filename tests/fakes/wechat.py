"""A local WeChat official-account API: token, media/uploadimg, material/add_material,
draft/add, freepublish/submit|get|delete, with errcode/errmsg answers and the
documented limits enforced (so a variant our validation lets through is accepted)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import UploadFile

from tests.fakes.base import FakePlatform

APPID = "wx0123456789abcdef"
SECRET = "wechat-secret"
_IMG = re.compile(r'<img\b[^>]*?\bsrc="([^"]+)"', re.IGNORECASE)


def err(code: int, message: str) -> dict[str, Any]:
    return {"errcode": code, "errmsg": message}


@dataclass
class FakeWeChat(FakePlatform):
    """State: tokens, hosted images, materials, drafts, publish jobs and their outcomes."""

    tokens: set[str] = field(default_factory=set)
    token_fetches: int = 0
    hosted: dict[str, bytes] = field(default_factory=dict)
    materials: dict[str, bytes] = field(default_factory=dict)
    drafts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    publishes: dict[str, dict[str, Any]] = field(default_factory=dict)
    articles: dict[str, str] = field(default_factory=dict)  # article_id -> media_id (live)
    outcome: list[int] = field(default_factory=lambda: [1, 0])  # publish_status by successive gets
    # article_id -> datacube counts (int_page_read_count, share_count, add_to_fav_count ...); a test grows them
    article_stats: dict[str, dict[str, int]] = field(default_factory=dict)

    def expire_tokens(self) -> None:
        """Every issued token stops working (errcode 40001 next time)."""
        self.tokens.clear()

    def app(self) -> Litestar:
        fake = self

        def authorised(request: Request[Any, Any, Any]) -> Response[Any] | None:
            if request.query_params.get("access_token") not in fake.tokens:
                return Response(
                    err(40001, "invalid credential, access_token is invalid or not latest")
                )
            return None

        async def media(request: Request[Any, Any, Any]) -> UploadFile | None:
            upload = (await request.form()).get("media")
            return upload if isinstance(upload, UploadFile) else None

        @get("/cgi-bin/token")
        async def token(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/cgi-bin/token"):
                return failed
            q = request.query_params
            if (
                q.get("grant_type") != "client_credential"
                or q.get("appid") != APPID
                or q.get("secret") != SECRET
            ):
                return err(40125, "invalid appsecret")
            fake.token_fetches += 1
            value = "ACCESS_" + secrets.token_hex(8)
            fake.tokens.add(value)
            return {"access_token": value, "expires_in": 7200}

        @post("/cgi-bin/media/uploadimg", status_code=200)
        async def uploadimg(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/cgi-bin/media/uploadimg") or authorised(request):
                return failed
            upload = await media(request)
            if upload is None:
                return err(41005, "media data missing")
            data = await upload.read()
            if len(data) >= 1_000_000:
                return err(40009, "invalid image size")
            key = secrets.token_hex(6)
            fake.hosted[key] = data
            return {"url": f"http://mmbiz.qpic.cn/mmbiz_jpg/{key}/0"}

        @post("/cgi-bin/material/add_material", status_code=200)
        async def add_material(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/cgi-bin/material/add_material") or authorised(
                request
            ):
                return failed
            upload = await media(request)
            if upload is None or request.query_params.get("type") not in ("image", "thumb"):
                return err(40004, "invalid media type")
            media_id = "MAT_" + secrets.token_hex(8)
            fake.materials[media_id] = await upload.read()
            return {"media_id": media_id, "url": f"http://mmbiz.qpic.cn/mmbiz_jpg/{media_id}/0"}

        @post("/cgi-bin/draft/add", status_code=200)
        async def draft_add(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/cgi-bin/draft/add") or authorised(request):
                return failed
            articles = (await request.json()).get("articles") or []
            for a in articles:
                if len(a.get("title") or "") > 32:
                    return err(45003, "title size out of limit")
                if len(a.get("author") or "") > 16:
                    return err(45110, "author size out of limit")
                if len(a.get("digest") or "") > 128:
                    return err(45004, "description size out of limit")
                if len(a.get("content") or "") >= 20_000:
                    return err(45002, "content size out of limit")
                if a.get("thumb_media_id") not in fake.materials:
                    return err(40007, "invalid media_id")
            media_id = "DRAFT_" + secrets.token_hex(8)
            fake.drafts[media_id] = articles
            return {"media_id": media_id}

        @post("/cgi-bin/freepublish/submit", status_code=200)
        async def submit(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/cgi-bin/freepublish/submit") or authorised(request):
                return failed
            media_id = (await request.json()).get("media_id")
            if media_id not in fake.drafts:
                return err(40007, "invalid media_id")
            publish_id = str(2_247_483_000 + len(fake.publishes))
            fake.publishes[publish_id] = {"media_id": media_id, "outcome": list(fake.outcome)}
            return {
                "errcode": 0,
                "errmsg": "ok",
                "publish_id": publish_id,
                "msg_data_id": 2_247_483_100,
            }

        @post("/cgi-bin/freepublish/get", status_code=200)
        async def publish_get(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/cgi-bin/freepublish/get") or authorised(request):
                return failed
            publish_id = str((await request.json()).get("publish_id"))
            job = fake.publishes.get(publish_id)
            if job is None:
                return err(48001, "api unauthorized")
            status = job["outcome"].pop(0) if len(job["outcome"]) > 1 else job["outcome"][0]
            answer: dict[str, Any] = {"publish_id": publish_id, "publish_status": status}
            if status == 0:
                article_id = "ART_" + publish_id
                fake.articles[article_id] = job["media_id"]
                answer["article_id"] = article_id
                answer["article_detail"] = {
                    "count": 1,
                    "item": [{"idx": 1, "article_url": f"https://mp.weixin.qq.com/s/{article_id}"}],
                }
            elif status in (2, 4):
                answer["fail_idx"] = [1]
            return answer

        @post("/cgi-bin/freepublish/delete", status_code=200)
        async def publish_delete(request: Request[Any, Any, Any]) -> Any:
            if failed := await fake.scripted("/cgi-bin/freepublish/delete") or authorised(request):
                return failed
            if fake.articles.pop((await request.json()).get("article_id"), None) is None:
                return err(53600, "article_id invalid")
            return err(0, "ok")

        @post("/datacube/getarticletotal", status_code=200)
        async def article_total(request: Request[Any, Any, Any]) -> Any:
            # the 图文群发总数据 answer: one entry per article (msgid "<article>_<index>"), its
            # cumulative counts in `details`
            if failed := await fake.scripted("/datacube/getarticletotal") or authorised(request):
                return failed
            day = (await request.json()).get("end_date")
            return {
                "list": [
                    {
                        "ref_date": day,
                        "msgid": f"{article_id}_1",
                        "details": [{"stat_date": day, **counts}],
                    }
                    for article_id, counts in fake.article_stats.items()
                    if article_id in fake.articles
                ]
            }

        handlers = [
            token,
            uploadimg,
            add_material,
            draft_add,
            submit,
            publish_get,
            publish_delete,
            article_total,
        ]
        return Litestar(handlers, debug=False)

    def external_images_in_drafts(self) -> list[str]:
        """Image URLs in stored drafts not hosted by WeChat (should be none)."""
        return [
            src
            for arts in self.drafts.values()
            for a in arts
            for src in _IMG.findall(a.get("content") or "")
            if "mmbiz.qpic.cn" not in src
        ]
