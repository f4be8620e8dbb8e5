"""app, xuexi and sms: render, validate with Chinese messages, deliver through recorders."""

from __future__ import annotations

from ronghub_sdk import StatusState
from ronghub_sdk.testing import ARTICLE, POLICY, VIDEO, ChannelHarness, MemoryReadModel

import plugins.app as app
import plugins.sms as sms
import plugins.xuexi as xuexi
from tests.channels.hookcov import covers


@covers("render", "validate", "deliver", "retract", "correct", "poll_status")
def test_app_publishes_into_the_read_model_and_takes_it_down() -> None:
    h = ChannelHarness(app)
    variant = h.check(ARTICLE)
    result = h.deliver(variant)
    model: MemoryReadModel = h.transport
    assert model.published[(ARTICLE.tenant, ARTICLE.story_id)]["title"] == ARTICLE.title
    assert result.status.state is StatusState.LIVE and result.url.endswith(ARTICLE.story_id)
    assert h.run("poll_status", delivery=result).state is StatusState.LIVE
    corrected = h.render(ARTICLE, {"title": "更正后的标题"})
    h.run("correct", variant=corrected, delivery=result, idempotency_key="c1")
    assert model.published[(ARTICLE.tenant, ARTICLE.story_id)]["title"] == "更正后的标题"
    removed = h.run("retract", delivery=result, idempotency_key="r1", reason="稿件撤回")
    assert removed.status.state is StatusState.REMOVED and model.published == {}


def test_app_list_title_override_is_checked_against_its_limit() -> None:
    h = ChannelHarness(app)
    problems = h.validate(h.render(ARTICLE, {"list_title": "长" * 41}))
    assert [p.code for p in problems] == ["APP_LIST_TITLE_TOO_LONG"]
    assert "最多 40 个字" in problems[0].message_zh


@covers("receive_status")
def test_xuexi_item_enters_the_feed_and_adoption_reports_become_statuses() -> None:
    h = ChannelHarness(xuexi)
    result = h.deliver(h.check(ARTICLE))
    item = h.transport.items[ARTICLE.story_id]
    assert item["title"] == ARTICLE.title and len(item["_ronghub"]["content_sha256"]) == 64
    assert result.status.state is StatusState.ACCEPTED
    adopted = h.pm.hook.receive_status(
        delivery=result,
        report={
            "item_id": ARTICLE.story_id,
            "adopted": True,
            "column": "地方平台",
            "reported_at_ms": 5,
        },
        config=h.config,
    )
    assert adopted.state is StatusState.LIVE and adopted.details["channel_name"] == "地方平台"
    refused = h.pm.hook.receive_status(
        delivery=result,
        report={"item_id": ARTICLE.story_id, "adopted": False, "reason": "内容同质化"},
        config=h.config,
    )
    assert refused.state is StatusState.REJECTED and refused.reason_zh == "内容同质化"
    assert (
        h.pm.hook.receive_status(
            delivery=result, report={"item_id": "other", "adopted": True}, config=h.config
        )
        is None
    )
    h.run("retract", delivery=result, idempotency_key="r", reason="撤稿")
    assert h.transport.withdrawn == {ARTICLE.story_id: "撤稿"}


def test_xuexi_requires_a_source_and_a_real_body() -> None:
    h = ChannelHarness(xuexi)
    problems = {p.code: p for p in h.validate(h.render(VIDEO))}
    assert set(problems) == {"XUEXI_SOURCE_REQUIRED", "XUEXI_BODY_TOO_SHORT"}
    assert "来源" in problems["XUEXI_SOURCE_REQUIRED"].message_zh
    assert h.validate(ChannelHarness(xuexi, {"account_name": "样例县融媒"}).render(ARTICLE)) == []


@covers("assemble_edition")
def test_sms_edition_assembles_digests_and_counts_segments() -> None:
    h = ChannelHarness(sms)
    variants = [h.check(s) for s in (ARTICLE, VIDEO, POLICY)]
    assert all(len(v.get("text")) <= 2 * 67 for v in variants)
    edition = h.pm.hook.assemble_edition(
        variants=variants, config=h.config, edition_date="2026-01-05"
    )
    assert edition.get("text").startswith("【手机报】2026-01-05\n1. 【清溪河")
    assert edition.get("story_ids") == [ARTICLE.story_id, VIDEO.story_id, POLICY.story_id]
    assert h.validate(edition) == []
    result = h.deliver(edition)
    assert h.transport.files["edition-2026-01-05.txt"].decode().endswith("回复TD退订")
    assert result.external_id == "edition-2026-01-05.txt"


def test_sms_digest_over_its_segment_budget_tells_the_editor_how_much_to_cut() -> None:
    h = ChannelHarness(sms)
    problems = h.validate(h.render(ARTICLE, {"text": "字" * 200}))
    assert [p.code for p in problems] == ["SMS_TOO_MANY_SEGMENTS"]
    assert "需 3 条短信,上限 2 条" in problems[0].message_zh
    assert (
        sms.segments("字" * 70, h.config["limits"]) == 1
        and sms.segments("字" * 71, h.config["limits"]) == 2
    )
