"""Issue 5 acceptance: one approved seed story reaches every built-in channel through the
real distribution engine and transports; every variant passes its channel's validation
and the ledger shows each delivery with its external id.

Only the third-party platforms are stand-ins: local servers speaking the 抖音 and WeChat
protocols and a partner portal receiving signed webhooks. Media is uploaded to the hub
and fetched by the channels over HTTP through signed URLs.
"""

from __future__ import annotations

import base64
import io
import tarfile
from pathlib import Path
from typing import Any

import httpx
from ronghub_sdk import TransportKind

from hub.channels import load_channels
from hub.distribution import channel_config
from hub.distribution import publications as pubs
from hub.distribution.engine import Distribution
from hub.distribution.states import PubState
from hub.distribution.wiring import build_transports
from hub.feeds.pull_feed import StoredFeed
from hub.ids import new_id
from hub.jobs.worker import Worker
from hub.media.service import media_service
from hub.settings import Settings
from hub.store.scope import Scope
from plugins.emergency import signing
from tests.conftest import GraphQLClient, run_until_idle, seed_files
from tests.fakes import douyin as dy
from tests.fakes import wechat as wx
from tests.fakes.server import serve
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.media.helpers import AUTH, image_bytes, tiny_video

SECRET = "whsec_" + base64.b64encode(b"r" * 32).decode()


def stand_in_config(
    dy_url: str, wx_url: str, portal_url: str, tmp_path: Path
) -> dict[str, dict[str, Any]]:
    """Each channel's center settings pointing at its local stand-in (抖音, WeChat, the
    portal's webhook receiver, file drops for 手机报 and 应急广播)."""
    return {
        "douyin": {
            "transport": {"base_url": dy_url},
            "credentials": {
                "client_key": dy.CLIENT_KEY,
                "open_id": dy.OPEN_ID,
                "refresh_token": dy.REFRESH_TOKEN,
            },
        },
        "wechat": {
            "transport": {"base_url": wx_url},
            "credentials": {"appid": wx.APPID, "secret": wx.SECRET},
        },
        "gov_site": {
            "org_code": "00250436X",
            "transport": {"url": portal_url + "/hook", "secrets": [SECRET]},
        },
        "sms": {"transport": {"directory": str(tmp_path / "sms")}},
        "emergency": {
            "src_ebrid": "10433010000000000010101",
            "transport": {"directory": str(tmp_path / "ebd")},
            "signing": {"private_key_hex": signing.new_private_key(), "cert_sn": "SN1"},
        },
    }


CHANNELS = ["app", "douyin", "wechat", "xuexi", "gov_site", "sms", "emergency"]
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { status } }"


async def upload(http: httpx.AsyncClient, data: bytes, filename: str, **params: str) -> str:
    r = await http.post(
        "/media/uploads", content=data, params={"filename": filename, **params}, headers=AUTH
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_one_approved_seed_story_reaches_every_built_in_channel(
    http: httpx.AsyncClient, editor: GraphQLClient, hub_settings: Settings, tmp_path: Path
) -> None:
    seed = next(p for p in seed_files() if p.name.startswith("000")).read_text(encoding="utf-8")
    title, _, body = seed.partition("\n")
    cover = await upload(http, image_bytes("JPEG", (940, 400)), "cover.jpg", alt="成立大会现场")
    video = await upload(
        http, tiny_video(tmp_path / "v.mp4").read_bytes(), "clip.mp4", alt="现场视频"
    )
    story = (
        await editor(
            CREATE,
            {
                "i": {
                    "title": title.strip(),
                    "bodyText": body,
                    "summary": "区融媒体中心挂牌成立,整合原有区级媒体机构。",
                    "tags": ["融媒体", "成立大会"],
                    "source": {"sourceName": "新普陀报"},
                    "coverAssetId": cover,
                    "assetIds": [cover, video],
                    "channels": CHANNELS,
                    "channelOverrides": {
                        "douyin": {"text": "区融媒体中心今天挂牌 #融媒体 #成立大会"}
                    },
                    "metadata": {
                        "issuing_agency": "示例区人民政府办公室",
                        "document_number": "示政办发〔2026〕1号",
                        "topic": "综合政务",
                        "event_type": "11B03",
                        "severity": 3,
                        "area_codes": ["330100000000"],
                        "valid_hours": 2,
                        "dual_control_approvers": ["值班员甲", "值班员乙"],
                    },
                }
            },
        )
    )["createStory"]

    fake_douyin, fake_wechat, portal = (
        dy.FakeDouyin(min_chunk_bytes=1),
        wx.FakeWeChat(),
        WebhookReceiver(SECRET),
    )
    async with (
        serve(fake_douyin.app()) as dy_url,
        serve(fake_wechat.app()) as wx_url,
        serve(portal.app()) as portal_url,
    ):
        config = stand_in_config(dy_url, wx_url, portal_url, tmp_path)
        settings = hub_settings.model_copy(update={"outbound_allow_loopback": True})
        center = Scope(hub_settings.default_tenant, "operator", public_only=False)
        for (
            name,
            settings_of_channel,
        ) in config.items():  # the center's settings: 签发 checks the variants with them
            await channel_config.save(center, settings, name, settings_of_channel)
        engine = Distribution(
            load_channels(None),
            build_transports(settings),
            channel_config=config,
            prefix="all" + new_id()[-6:],
            poll_interval_s=0.02,
            media_urls=media_service(hub_settings).url,
        )
        await editor(APPROVE, {"id": story["id"], "v": story["version"]})
        try:  # until every delivery and status poll is done
            await run_until_idle(Worker(engine.consumers(), idle_sleep=0), idle_passes=5)
        finally:
            await engine.aclose()

    found = {p.channel: p for p in await pubs.of_story(hub_settings.default_tenant, story["id"])}
    assert sorted(found) == sorted(CHANNELS)
    for channel, pub in found.items():
        assert pub.state in (PubState.LIVE, PubState.ACCEPTED), (
            channel,
            pub.state,
            pub.last_error,
            pub.problems,
        )
        assert not [p for p in pub.problems if p["severity"] == "error"], (channel, pub.problems)
        delivered = [e for e in pub.entries() if e.from_state == PubState.DELIVERING]
        assert len(delivered) == 1 and delivered[0].evidence["external_id"] == pub.external_id, (
            channel
        )
        assert pub.external_id, channel

    # and each platform holds what the ledger says it does
    assert found["douyin"].external_id in fake_douyin.items
    assert found["wechat"].delivery["details"]["media_id"] in fake_wechat.drafts
    assert portal.payloads()[0]["metadata"]["index_no"] == found["gov_site"].external_id
    assert found["gov_site"].external_id.startswith("00250436X/")
    assert (tmp_path / "sms" / f"{story['id']}.txt").read_text(encoding="utf-8")
    with tarfile.open(
        fileobj=io.BytesIO(
            (
                tmp_path / "ebd" / f"EBD_{found['emergency'].delivery['details']['ebd_id']}.tar"
            ).read_bytes()
        )
    ) as tar:
        assert len(tar.getnames()) == 2  # the EBD and its SM2 signature
    # 学习强国 operators report adoption (采用); the channel reads the report into the ledger
    assert found["xuexi"].state == PubState.ACCEPTED
    adopted = (
        await editor(
            "mutation($id: ID!, $r: JSON!) { reportPlatformStatus(publicationId: $id, report: $r) { state ledger { toState evidence } } }",
            {
                "id": found["xuexi"].id,
                "r": {"item_id": story["id"], "adopted": True, "column": "地方融媒"},
            },
        )
    )["reportPlatformStatus"]
    assert (
        adopted["state"] == "live"
        and adopted["ledger"][-1]["evidence"]["platform_code"] == "adopted"
    )
    mismatch = await editor.errors(
        "mutation($id: ID!, $r: JSON!) { reportPlatformStatus(publicationId: $id, report: $r) { state } }",
        {"id": found["xuexi"].id, "r": {"item_id": "another-story", "adopted": True}},
    )
    assert mismatch[0]["extensions"]["code"] == "STATUS_REPORT_MISMATCH"
    feed_items = await StoredFeed(hub_settings.default_tenant, "xuexi").since(0)
    assert [i.item_id for i in feed_items if i.item_id == story["id"]] == [story["id"]]
    public = await http.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { story(id: $id) { title } }",
            "variables": {"id": story["id"]},
        },
    )
    assert public.json()["data"]["story"]["title"] == title.strip()
    assert load_channels(None).info("app").transport == TransportKind.READ_MODEL
