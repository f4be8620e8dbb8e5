"""One approved story reaches every built-in channel through the hub's real transports."""

from __future__ import annotations

import base64
import io
import tarfile
from dataclasses import replace
from pathlib import Path

from ronghub_sdk import RenderContext, StatusState
from ronghub_sdk.testing import ALERT, ARTICLE, POLICY, VIDEO, MemoryFeed, MemoryReadModel

from hub.channels import load_channels
from plugins.emergency import signing
from tests.e2e.channel_support import materialize, transport_for
from tests.fakes import douyin as dy
from tests.fakes import wechat as wx
from tests.fakes.server import serve
from tests.fakes.webhook_receiver import WebhookReceiver

SECRET = "whsec_" + base64.b64encode(b"g" * 32).decode()
KEY = signing.new_private_key()


async def test_one_story_is_rendered_validated_and_delivered_to_all_built_in_channels(
    tmp_path: Path,
) -> None:
    manager = load_channels(None)
    story = materialize(
        replace(
            ARTICLE,
            assets=(*ARTICLE.assets, *VIDEO.assets),
            metadata={
                **POLICY.metadata,
                **ALERT.metadata,
                "dual_control_approvers": ["duty-a", "duty-b"],
            },
        ),
        tmp_path / "assets",
        {"vid-market": 3000},
    )
    douyin, wechat, portal = (
        dy.FakeDouyin(min_chunk_bytes=1),
        wx.FakeWeChat(),
        WebhookReceiver(SECRET),
    )
    feed, read_model = MemoryFeed(), MemoryReadModel()
    async with (
        serve(douyin.app()) as dy_url,
        serve(wechat.app()) as wx_url,
        serve(portal.app()) as portal_url,
    ):
        configs = {
            "app": {},
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
            "xuexi": {},
            "gov_site": {
                "org_code": "00250436X",
                "transport": {"url": portal_url + "/hook", "secrets": [SECRET]},
            },
            "sms": {"transport": {"directory": str(tmp_path / "sms")}},
            "emergency": {
                "src_ebrid": "10433010000000000010101",
                "transport": {"directory": str(tmp_path / "ebd")},
                "signing": {"private_key_hex": KEY, "cert_sn": "SN1"},
            },
        }
        assert set(configs) == set(manager.names())
        context = RenderContext(now_ms=story.approved_at_ms)
        results = {}
        for channel, config in configs.items():
            variant, problems = manager.preview(channel, story, config=config, context=context)
            assert problems == [], (channel, problems)
            transport = transport_for(manager, channel, config, feed=feed, read_model=read_model)
            results[channel] = await manager.deliver(
                channel,
                variant,
                transport=transport,
                idempotency_key=f"{story.story_id}:{channel}",
                config=config,
            )
            if hasattr(transport, "aclose"):
                await transport.aclose()
    assert all(r.external_id for r in results.values())
    assert (
        results["app"].status.state is StatusState.LIVE
        and (story.tenant, story.story_id) in read_model.published
    )
    assert results["douyin"].external_id in douyin.items
    assert results["wechat"].details["media_id"] in wechat.drafts
    assert story.story_id in feed.items
    assert (
        portal.payloads()[0]["metadata"]["index_no"]
        == results["gov_site"].external_id
        == "00250436X/2026-00001"
    )
    assert (
        (tmp_path / "sms" / f"{story.story_id}.txt")
        .read_text(encoding="utf-8")
        .startswith("【清溪河青石桥")
    )
    ebd_tar = tmp_path / "ebd" / f"EBD_{results['emergency'].details['ebd_id']}.tar"
    with tarfile.open(fileobj=io.BytesIO(ebd_tar.read_bytes())) as tar:
        assert len(tar.getnames()) == 2
