"""wechat: 公众号 articles through draft/add and freepublish (asynchronous publishing).

deliver: re-host each external image (`media/uploadimg`), upload the cover as permanent
material (`material/add_material`), `draft/add` -> media_id, `freepublish/submit` ->
publish_id. poll_status: `freepublish/get` publish_status 0 success, 1 publishing,
2 originality check failed, 3 failed, 4 rejected by review, 5 deleted, 6 banned.
Pushing to followers (群发) is a separate action and is not done here.
"""

from __future__ import annotations

import hashlib
import html
import re
import time
from collections.abc import Mapping
from typing import Any

from ronghub_sdk import (
    Asset,
    Capability,
    ChannelInfo,
    Checkpoints,
    DeliveryResult,
    Metrics,
    PermanentDeliveryError,
    PlatformStatus,
    Problem,
    StatusState,
    StoryInput,
    TransientDeliveryError,
    TransportKind,
    Variant,
    hookimpl,
)
from ronghub_sdk.transports import ApiResponse, PlatformApi

from plugins._kit import make_variant, strip_scripts
from plugins.wechat.format import IMG_SRC, check, default_digest, external_images

NAME = "wechat"
DEFAULTS: dict[str, Any] = {
    "transport": {
        "base_url": "https://api.weixin.qq.com",
        "token": {
            "path": "/cgi-bin/token",
            "method": "GET",
            "send_as": "query",
            "params": {"grant_type": "client_credential", "appid": "{appid}", "secret": "{secret}"},
            "place": "query:access_token",
            "expired_codes": ["40001", "40014", "42001"],
        },
    },
    "credentials": {"appid": "", "secret": ""},
    "transient_codes": ["-1", "45009", "45011"],  # system busy, daily quota, too frequent
    "need_open_comment": 0,
    "only_fans_can_comment": 0,
    "source_url_template": "",  # e.g. "https://app.example.cn/s/{story_id}"
    "limits": {
        "title_max": 32,
        "author_max": 16,
        "digest_max": 128,
        "digest_default_chars": 54,
        "content_max_chars": 20_000,
        "content_max_bytes": 1_000_000,
        "source_url_max_bytes": 1024,
        "image_max_bytes": 1_000_000,
        "hosted_image_hosts": ["mmbiz.qpic.cn"],
    },
}
_PUBLISH = {
    0: (StatusState.LIVE, None, True),
    1: (StatusState.UNDER_REVIEW, None, False),
    2: (StatusState.REJECTED, "原创校验未通过", True),
    3: (StatusState.REJECTED, "发布失败", True),
    4: (StatusState.REJECTED, "平台审核不通过", True),
    5: (StatusState.REMOVED, "已被用户删除", True),
    6: (StatusState.REMOVED, "发布成功后被封禁", True),
}


@hookimpl
def describe() -> ChannelInfo:
    """The 公众号 channel."""
    return ChannelInfo(
        name=NAME,
        title_zh="微信公众号",
        title_en="WeChat official account",
        transport=TransportKind.PLATFORM_API,
        capabilities=frozenset(
            {
                Capability.TEXT,
                Capability.IMAGES,
                Capability.POLL_STATUS,
                Capability.RETRACT,
                Capability.CORRECT,
                Capability.METRICS,
            }
        ),
        defaults=DEFAULTS,
        version="0.1.0",
        overridable=("title", "author", "digest", "thumb_media_id", "content_source_url"),
        config_schema={
            "type": "object",
            "required": ["credentials"],
            "properties": {
                "credentials": {"type": "object", "required": ["appid", "secret"]},
                "transport": {
                    "type": "object",
                    "properties": {"base_url": {"type": "string", "format": "uri"}},
                },
                "limits": {"type": "object"},
            },
        },
    )


@hookimpl
def render(story: StoryInput, config: Mapping[str, Any], overrides: Mapping[str, Any]) -> Variant:
    """Article fields; the digest defaults to WeChat's own rule (first 54 characters)."""
    limits = config["limits"]
    content = strip_scripts(story.body)
    template = config.get("source_url_template") or ""
    fields = {
        "title": story.title,
        "author": story.byline or "",
        "digest": story.summary or default_digest(content, limits["digest_default_chars"]),
        "content": content,
        "content_source_url": template.format(story_id=story.story_id) if template else "",
        "thumb_asset_id": story.cover_asset_id,
        "need_open_comment": config["need_open_comment"],
        "only_fans_can_comment": config["only_fans_can_comment"],
    }
    return make_variant(NAME, story, fields, overrides)


@hookimpl
def validate(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """The draft/add limits (see plugins.wechat.format.check)."""
    return check(variant, config)


def ok(response: ApiResponse, config: Mapping[str, Any], action: str) -> dict[str, Any]:
    """The answer's JSON, or the DeliveryError its errcode means."""
    body = response.json or {}
    code = str(body.get("errcode", 0))
    if code == "0":
        return body
    message = body.get("errmsg", "")
    if code in config["transient_codes"]:
        raise TransientDeliveryError(
            f"微信接口繁忙({action}:{message}),稍后自动重试",
            f"{action}: {message}",
            platform_code=code,
        )
    raise PermanentDeliveryError(
        f"微信拒绝了{action}:{message}(错误码 {code})",
        f"wechat refused {action}: {message}",
        platform_code=code,
    )


async def _rehost(
    variant: Variant, config: Mapping[str, Any], api: PlatformApi, done: Checkpoints
) -> str:
    content: str = variant.get("content") or ""
    by_url = {a.url: a for a in variant.assets}
    hosted: dict[str, str] = {}
    for src in dict.fromkeys(external_images(content, config["limits"]["hosted_image_hosts"])):
        asset = by_url[src]

        async def upload(asset: Asset = asset, src: str = src) -> str:
            r = await api.call(
                "POST",
                "/cgi-bin/media/uploadimg",
                files={"media": (asset.id + ".jpg", await api.fetch_asset(src), asset.mime)},
            )
            return str(ok(r, config, "转存图片")["url"])

        hosted[src] = await done.once(
            "img-" + hashlib.sha256(src.encode()).hexdigest()[:32], upload
        )

    def rehosted(m: re.Match[str]) -> str:
        url = hosted.get(html.unescape(m.group(2)))
        return m.group(0) if url is None else m.group(1) + html.escape(url, quote=True) + m.group(3)

    return IMG_SRC.sub(rehosted, content)


async def _thumb(variant: Variant, config: Mapping[str, Any], api: PlatformApi) -> str:
    if variant.get("thumb_media_id"):
        return str(variant.get("thumb_media_id"))
    asset = next(a for a in variant.assets if a.id == variant.get("thumb_asset_id"))
    r = await api.call(
        "POST",
        "/cgi-bin/material/add_material",
        params={"type": "image"},
        files={"media": (asset.id + ".jpg", await api.fetch_asset(asset.url), asset.mime)},
    )
    return str(ok(r, config, "上传封面")["media_id"])


@hookimpl
async def deliver(
    variant: Variant, config: Mapping[str, Any], transport: PlatformApi, checkpoints: Checkpoints
) -> DeliveryResult:
    """Re-host images, upload the cover, add the draft and submit it for publishing.

    None of these calls takes an idempotency key, so each completed one is a checkpoint:
    a retry (say the submit timed out) neither uploads the material again nor adds a
    second draft."""

    async def add_draft() -> str:
        article = {
            "title": variant.get("title"),
            "author": variant.get("author"),
            "digest": variant.get("digest"),
            "content": await _rehost(variant, config, transport, checkpoints),
            "content_source_url": variant.get("content_source_url"),
            "thumb_media_id": await checkpoints.once(
                "thumb_media_id", lambda: _thumb(variant, config, transport)
            ),
            "need_open_comment": variant.get("need_open_comment"),
            "only_fans_can_comment": variant.get("only_fans_can_comment"),
        }
        return str(
            ok(
                await transport.call("POST", "/cgi-bin/draft/add", json={"articles": [article]}),
                config,
                "添加草稿",
            )["media_id"]
        )

    async def submit() -> str:
        submitted = ok(
            await transport.call(
                "POST", "/cgi-bin/freepublish/submit", json={"media_id": media_id}
            ),
            config,
            "提交发布",
        )
        return str(submitted["publish_id"])

    media_id = await checkpoints.once("draft_media_id", add_draft)
    publish_id = await checkpoints.once("publish_id", submit)
    return DeliveryResult(
        publish_id,
        PlatformStatus(StatusState.ACCEPTED, platform_code="1"),
        details={"media_id": media_id, "publish_id": publish_id},
    )


@hookimpl
async def poll_status(
    delivery: DeliveryResult, config: Mapping[str, Any], transport: PlatformApi
) -> PlatformStatus:
    """freepublish/get: publish_status 0–6 as accepted/under review/rejected/live/removed."""
    body = ok(
        await transport.call(
            "POST", "/cgi-bin/freepublish/get", json={"publish_id": delivery.external_id}
        ),
        config,
        "查询发布状态",
    )
    code = int(body.get("publish_status", 1))
    state, reason, final = _PUBLISH.get(code, (StatusState.UNDER_REVIEW, None, False))
    items = (body.get("article_detail") or {}).get("item") or []
    details = {
        "article_id": body.get("article_id"),
        "article_url": items[0].get("article_url") if items else None,
    }
    if body.get("fail_idx"):
        details["fail_idx"] = body["fail_idx"]
    return PlatformStatus(
        state,
        reason_zh=reason,
        reason_en=reason and f"publish_status {code}",
        platform_code=str(code),
        final=final,
        details=details,
    )


@hookimpl
async def fetch_metrics(
    delivery: DeliveryResult, config: Mapping[str, Any], transport: PlatformApi
) -> Metrics:
    """datacube/getarticletotal: 阅读 (int_page_read_count), 分享 (share_count), 收藏
    (add_to_fav_count) of the published article, cumulative; an article the answer does
    not list yet (the platform's figures lag) reports nothing new (TransientDeliveryError)."""
    article_id = delivery.details.get("article_id") or delivery.status.details.get("article_id")
    if not article_id:
        raise TransientDeliveryError(
            "文章尚未发布完成,稍后再取数据", "no article_id yet; poll until published"
        )
    day = time.strftime("%Y-%m-%d")
    body = ok(
        await transport.call(
            "POST", "/datacube/getarticletotal", json={"begin_date": day, "end_date": day}
        ),
        config,
        "查询图文数据",
    )
    entry = next(
        (
            e
            for e in body.get("list") or []
            if str(e.get("msgid", "")).rsplit("_", 1)[0] == article_id
        ),
        None,
    )
    if entry is None or not entry.get("details"):
        raise TransientDeliveryError(
            "微信尚未给出这篇文章的数据,稍后再取", f"no figures for {article_id} yet"
        )
    d = entry["details"][-1]
    return Metrics(
        views=d.get("int_page_read_count"),
        shares=d.get("share_count"),
        favorites=d.get("add_to_fav_count"),
        details={k: v for k, v in d.items() if isinstance(v, int)},
    )


@hookimpl
async def retract(
    delivery: DeliveryResult, config: Mapping[str, Any], transport: PlatformApi, reason: str
) -> DeliveryResult:
    """freepublish/delete the published article (needs its article_id from polling)."""
    article_id = delivery.details.get("article_id") or delivery.status.details.get("article_id")
    if not article_id:
        raise TransientDeliveryError(
            "文章尚未发布完成,稍后再撤回", "no article_id yet; poll until published"
        )
    response = await transport.call(
        "POST", "/cgi-bin/freepublish/delete", json={"article_id": article_id, "index": 1}
    )
    if str((response.json or {}).get("errcode", 0)) not in config.get(
        "gone_codes", ["53600"]
    ):  # already gone is fine
        ok(response, config, "删除文章")
    return DeliveryResult(
        delivery.external_id,
        PlatformStatus(StatusState.REMOVED, reason_zh=reason, final=True),
        details=delivery.details,
    )


@hookimpl
async def correct(
    variant: Variant,
    delivery: DeliveryResult,
    config: Mapping[str, Any],
    transport: PlatformApi,
    checkpoints: Checkpoints,
) -> DeliveryResult:
    """A published article cannot be edited: delete it and publish the corrected one."""
    if not checkpoints.get("removed"):
        await retract(delivery, config, transport, "更正后重新发布")
        await checkpoints.save("removed", True)
    return await deliver(variant, config, transport, checkpoints)
