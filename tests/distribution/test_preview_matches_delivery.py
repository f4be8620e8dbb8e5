"""预览 = 投递: a preview renders each channel from the same input delivery renders from
(hub/distribution/render_input.py), so an editor sees before approval the variant that
will be delivered: media, metadata, overrides, column and source fields included.

Every built-in channel and a third-party plugin (tests/channels/weibo_sample.py) is
rendered both ways for a story with a cover image, a video, metadata and overrides;
the variants must be equal except for what that module documents as decided at
delivery time (here: the signed media URLs in `Variant.assets`)."""

from __future__ import annotations

from typing import Any

import pytest
from ronghub_sdk import PermanentDeliveryError, TransportKind, Variant

from hub.channels import load_channels
from hub.distribution import publications as pubs
from hub.distribution import render_input
from hub.distribution.engine import Distribution
from hub.distribution.render_input import variant_from
from hub.distribution.states import PubState
from hub.distribution.transports import TransportProvider
from hub.domain.retry import RetryPolicy
from hub.domain.story import StoryStatus
from hub.ids import new_id
from hub.jobs.worker import Worker
from hub.store.documents import AssetDoc, RevisionDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.channels import weibo_sample
from tests.conftest import run_until_idle

pytestmark = pytest.mark.usefixtures("hub_url")

BUILT_IN = ["app", "douyin", "xuexi", "gov_site", "wechat", "sms", "emergency"]
CONFIG: dict[str, dict[str, Any]] = {
    "gov_site": {"org_code": "00250436X"},
    "emergency": {
        "src_ebrid": "10433010000000000010101",
        "dest_ebrid": "10433010000000000000000",
        "sender_name": "示例区应急管理局",
        "sender_code": "433010000000",
    },
}
METADATA = {
    "issuing_agency": "示例区人民政府办公室",
    "document_number": "示政办发〔2026〕1号",
    "topic": "综合政务",
    "written_date": "2026-05-04",
    "event_type": "11B03",
    "severity": 3,
    "area_codes": ["330100000000"],
    "valid_hours": 2,
}
OVERRIDES = {
    "app": {"list_title": "防汛演练"},
    "douyin": {"text": "示例区防汛演练 #防汛"},
    "gov_site": {"keywords": ["防汛", "演练"]},
    "emergency": {"severity": 2},
    "wechat": {"author": "融媒记者"},
    "weibo": {"text": "示例区今天举行防汛演练。"},
}


class Nowhere:
    """A transport that takes nothing: every delivery stops after rendering, with the
    delivered variant recorded on its publication."""

    def __getattr__(self, name: str) -> Any:
        async def refuse(*args: Any, **kwargs: Any) -> Any:
            raise PermanentDeliveryError("测试中不投递", "not delivered in this test")

        return refuse


class Portal:
    """A 政府网站 CMS import interface that takes every push."""

    def __init__(self) -> None:
        self.pushed: list[dict[str, Any]] = []

    async def push(self, payload: dict[str, Any], **kwargs: Any) -> None:
        self.pushed.append(payload)


class Rig:
    def __init__(self) -> None:
        manager = load_channels(None)
        assert manager.register(weibo_sample, source="tests.channels.weibo_sample") is not None
        provider = TransportProvider()
        for kind in TransportKind:
            provider.register(kind, lambda channel, config, tenant: Nowhere())
        self.portal = Portal()
        provider.register(TransportKind.WEBHOOK, lambda channel, config, tenant: self.portal)
        self.minted = 0

        async def signed_url(
            key: str, mime: str | None
        ) -> str:  # signed and expiring: new per render
            self.minted += 1
            return f"https://media.test/{key}?sig={self.minted}"

        self.engine = Distribution(
            manager,
            provider,
            channel_config=CONFIG,
            prefix="pv" + new_id()[-8:],
            media_urls=signed_url,
            policy=RetryPolicy(max_attempts=1, base_seconds=0.001, cap_seconds=0.002),
        )
        self.scope = Scope(tenant="preview-" + new_id(), actor="editor-1", public_only=False)
        self.stories = StoryRepository(self.scope)

    async def asset(self, kind: str, mime: str, **extra: Any) -> str:
        doc = AssetDoc(
            tenant=self.scope.tenant,
            kind=kind,
            uri=f"asset:{new_id()}",
            blob_key=f"k/{new_id()}",
            mime=mime,
            size=4_096,
            **extra,
        )
        await doc.insert()
        return doc.id

    async def preview(self, story_id: str, channel: str) -> Variant:
        return (await self.preview_with_problems(story_id, channel))[0]

    async def preview_with_problems(self, story_id: str, channel: str) -> tuple[Variant, list[str]]:
        story = await self.stories.require(story_id)
        rev = await RevisionDoc.find_one(
            {"tenant": self.scope.tenant, "_id": RevisionDoc.make_id(story.id, story.revision)}
        )
        assert rev is not None
        inp = await render_input.preview_input(
            self.engine, self.scope.tenant, story.id, rev, channel, {}
        )
        variant, problems = await render_input.render(self.engine, inp)
        return variant, sorted(p.code for p in problems)


def comparable(v: Variant) -> dict[str, Any]:
    """A variant without the media URLs (signed per render, see render_input's docstring)."""
    assets = [
        (a.id, a.kind, a.mime, a.size, a.alt, a.width, a.height, a.duration_s) for a in v.assets
    ]
    return {
        "channel": v.channel,
        "story_id": v.story_id,
        "revision_id": v.revision_id,
        "tenant": v.tenant,
        "fields": v.fields,
        "overridden": sorted(v.overridden),
        "flags": v.flags,
        "assets": assets,
    }


async def test_every_channel_previews_the_variant_delivery_renders_media_metadata_and_overrides_included() -> (
    None
):
    rig = Rig()
    cover = await rig.asset("image", "image/jpeg", width=940, height=400, alt="防汛演练现场")
    video = await rig.asset(
        "video", "video/mp4", width=720, height=1280, duration_ms=12_000, alt="演练视频"
    )
    channels = [*BUILT_IN, "weibo"]
    story = await rig.stories.create(
        {
            "title": "示例区举行防汛应急演练",
            "summary": "示例区今天在城东举行防汛应急演练。",
            "body_text": "示例区今天在城东举行防汛应急演练,全区二十个部门、三百余名队员参加。演练模拟城区遭遇特大暴雨,"
            "检验了预警发布、人员转移和抢险救援各环节。",
            "tags": ["防汛", "应急"],
            "source": {
                "source_name": "示例区融媒体中心",
                "original_author": "张三",
                "responsible_editor": "李四",
            },
            "byline": "记者 王五",
            "cover_asset_id": cover,
            "asset_ids": [cover, video],
            "channels": channels,
            "channel_overrides": OVERRIDES,
            "metadata": METADATA,
        }
    )

    both = {c: await rig.preview_with_problems(story.id, c) for c in channels}
    previewed = {c: v for c, (v, _) in both.items()}
    # what the old preview (no assets, no metadata) got wrong is right now
    assert previewed["douyin"].fields["video_asset_id"] == video
    assert previewed["weibo"].fields["pic_asset_id"] == cover
    assert previewed["wechat"].fields["thumb_asset_id"] == cover
    assert previewed["gov_site"].fields["issuing_agency"] == "示例区人民政府办公室"
    assert (
        previewed["emergency"].fields["event_type"] == "11B03"
        and previewed["emergency"].flags["urgent"] is False
    )

    await rig.stories.set_status(story.id, story.version, StoryStatus.APPROVED)
    await run_until_idle(Worker(rig.engine.consumers(), idle_sleep=0))
    found = {p.channel: p for p in await pubs.of_story(rig.scope.tenant, story.id)}
    assert sorted(found) == sorted(channels)
    for channel in channels:
        pub = found[channel]
        assert pub.variant, (
            channel,
            pub.state,
            pub.last_error,
            pub.problems,
        )  # rendered, then refused by Nowhere
        assert pub.state == (PubState.LIVE if channel == "gov_site" else PubState.FAILED), channel
        assert comparable(variant_from(pub.variant)) == comparable(previewed[channel]), channel
        assert sorted(p["code"] for p in pub.problems) == both[channel][1], channel


async def test_a_planned_revision_previews_with_its_publications_approval_and_overrides() -> None:
    rig = Rig()
    story = await rig.stories.create(
        {
            "title": "示例区发布暴雨预警",
            "body_text": "请市民减少外出。",
            "channels": ["emergency"],
            "channel_overrides": {"emergency": {"severity": 1}},
            "metadata": METADATA,
        }
    )
    await rig.stories.set_status(
        story.id,
        story.version,
        StoryStatus.APPROVED,
        {"urgent": True, "approvers": ["甲", "乙"], "only_channels": ["emergency"]},
    )
    await run_until_idle(Worker(rig.engine.consumers(), idle_sleep=0))
    (pub,) = await pubs.of_story(rig.scope.tenant, story.id)
    preview = await rig.preview(story.id, "emergency")
    assert preview.flags == {"urgent": True, "dual_control": {"approvers": ["甲", "乙"]}}
    assert comparable(preview) | {"fields": {}} == comparable(variant_from(pub.variant)) | {
        "fields": {}
    }
    # the EBD/EBM number was taken by the delivery; a preview shows the next one without taking it
    delivered = variant_from(pub.variant).fields
    assert {k: v for k, v in preview.fields.items() if k not in ("ebd_id", "ebm_id")} == {
        k: v for k, v in delivered.items() if k not in ("ebd_id", "ebm_id")
    }
    assert preview.fields["ebd_id"] > delivered["ebd_id"]
    assert (await rig.preview(story.id, "emergency")).fields["ebd_id"] == preview.fields[
        "ebd_id"
    ]  # nothing taken


async def test_a_correction_previews_with_the_variant_it_replaces_keeping_the_index_number() -> (
    None
):
    rig = Rig()
    story = await rig.stories.create(
        {
            "title": "示例区关于调整公交线路的通知",
            "body_text": "自下月起调整。",
            "channels": ["gov_site"],
            "metadata": METADATA,
        }
    )
    story = await rig.stories.set_status(story.id, story.version, StoryStatus.APPROVED)
    await run_until_idle(Worker(rig.engine.consumers(), idle_sleep=0))
    (first,) = await pubs.of_story(rig.scope.tenant, story.id)
    assert first.state == PubState.LIVE and first.external_id
    story = await rig.stories.update(
        story.id, story.version, {"title": "示例区关于调整公交线路的通知(更正)"}
    )

    preview = await rig.preview(story.id, "gov_site")
    assert preview.fields["index_no"] == first.external_id  # a correction keeps its 索引号
    await rig.stories.set_status(story.id, story.version, StoryStatus.APPROVED)
    await run_until_idle(Worker(rig.engine.consumers(), idle_sleep=0))
    correction = next(p for p in await pubs.of_story(rig.scope.tenant, story.id) if p.revision == 2)
    assert correction.action.value == "correct" and correction.state == PubState.LIVE
    assert comparable(variant_from(correction.variant)) == comparable(preview)
