"""抖音 and 公众号 variants: hashtags, limits, digest default, overrides (no network)."""

from __future__ import annotations

from dataclasses import replace

from ronghub_sdk import Asset
from ronghub_sdk.testing import ARTICLE, POLICY, VIDEO, ChannelHarness

import plugins.douyin as douyin
import plugins.wechat as wechat
from hub.channels.story_input import story_input
from hub.domain.story import StoryContent


def test_douyin_text_carries_hashtags_and_the_video_is_chosen() -> None:
    variant = ChannelHarness(douyin).check(VIDEO)
    assert variant.get("text") == "早市里的时令味道 #早市 #春笋 #烟火气"
    assert variant.get("video_asset_id") == "vid-market"


def test_douyin_refuses_a_story_without_video_or_images_and_too_many_hashtags() -> None:
    h = ChannelHarness(douyin)
    problems = {
        p.code
        for p in h.validate(
            h.render(POLICY, {"text": "防火 " + " ".join(f"#话题{i}" for i in range(7))})
        )
    }
    assert problems == {"DOUYIN_MEDIA_REQUIRED", "DOUYIN_TOO_MANY_HASHTAGS"}


def test_douyin_editor_can_shorten_the_text_and_limits_are_configuration() -> None:
    h = ChannelHarness(douyin, {"limits": {"text_max": 10}})
    assert [p.code for p in h.validate(h.render(VIDEO))] == ["DOUYIN_TEXT_TOO_LONG"]
    short = h.render(VIDEO, {"text": "早市 #春笋"})
    assert h.validate(short) == [] and short.overridden == ("text",)


def test_douyin_long_title_is_a_warning_not_a_block() -> None:
    h = ChannelHarness(douyin)
    problems = h.validate(h.render(VIDEO, {"text": "长" * 31 + " #早市"}))
    assert [(p.code, p.blocking) for p in problems] == [("DOUYIN_TITLE_LONG", False)]


def test_wechat_digest_defaults_to_the_first_54_characters_of_the_content() -> None:
    story = replace(ARTICLE, summary=None)
    variant = ChannelHarness(wechat).check(story)
    assert len(variant.get("digest")) == 54 and variant.get("digest").startswith(
        "记者从样例县交通运输局获悉"
    )


def test_wechat_limits_are_reported_field_by_field() -> None:
    h = ChannelHarness(wechat)
    variant = h.render(ARTICLE, {"title": "标" * 33, "author": "作" * 17, "digest": "摘" * 129})
    problems = {p.code: p for p in h.validate(variant)}
    assert set(problems) == {
        "WECHAT_TITLE_TOO_LONG",
        "WECHAT_AUTHOR_TOO_LONG",
        "WECHAT_DIGEST_TOO_LONG",
    }
    assert (
        problems["WECHAT_TITLE_TOO_LONG"].message_zh
        == "公众号标题最多 32 个字,现有 33 个,请删减 1 个字。"
    )


def test_wechat_needs_a_cover_and_jpg_png_images_under_1mb() -> None:
    h = ChannelHarness(wechat)
    no_cover = replace(ARTICLE, cover_asset_id=None)
    assert "WECHAT_THUMB_REQUIRED" in {p.code for p in h.validate(h.render(no_cover))}
    assert h.validate(h.render(no_cover, {"thumb_media_id": "MEDIA_1"})) == []
    big = replace(ARTICLE, assets=(replace(ARTICLE.assets[0], size=2_000_000),))
    assert "WECHAT_IMAGE_FORMAT" in {p.code for p in h.validate(h.render(big))}
    webp = replace(
        ARTICLE, assets=(Asset("img-bridge", "image", "sample://img-bridge.jpg", "image/webp", 10),)
    )
    assert "WECHAT_IMAGE_FORMAT" in {p.code for p in h.validate(h.render(webp))}


def test_wechat_strips_scripts_from_the_content() -> None:
    story = replace(ARTICLE, body=ARTICLE.body + "<script>alert(1)</script>")
    assert "<script" not in ChannelHarness(wechat).check(story).get("content")


def test_wechat_finds_a_library_picture_whose_signed_url_has_entities_in_the_html() -> None:
    signed = "https://hub.example/media/blobs/a/img-bridge/original?exp=2&sig=abc"
    story = replace(
        ARTICLE,
        body='<p>桥</p><figure><img src="https://hub.example/old?exp=1&amp;sig=x" alt="桥" data-asset-id="img-bridge"></figure>',
        assets=(replace(ARTICLE.assets[0], url=signed),),
    )
    unresolved = ChannelHarness(wechat).render(story)
    assert "WECHAT_IMAGE_UNKNOWN" in {
        p.code for p in ChannelHarness(wechat).validate(unresolved)
    }  # a stale URL is not the asset's
    # the hub points the picture at the URL signed for this render (hub/channels/story_input.py)
    content = StoryContent(
        title=story.title,
        body=story.body,
        cover_asset_id=story.cover_asset_id,
        asset_ids=("img-bridge",),
    )
    built = story_input(content, tenant="t", story_id="s", revision_id="s:1", assets=story.assets)
    assert (
        'src="https://hub.example/media/blobs/a/img-bridge/original?exp=2&amp;sig=abc"'
        in built.body
    )
    h = ChannelHarness(wechat)
    assert "WECHAT_IMAGE_UNKNOWN" not in {
        p.code for p in h.validate(h.render(replace(story, body=built.body)))
    }
