"""政府网站: 索引号 issued once, disclosure metadata rules, an accessible page."""

from __future__ import annotations

import pytest
from ronghub_sdk.testing import ARTICLE, POLICY, ChannelHarness

import plugins.gov_site as gov
from plugins.gov_site.accessibility import check_html
from plugins.gov_site.disclosure import index_number

CONFIG = {
    "org_code": "00250436X",
    "default_issuing_agency": "样例县人民政府",
    "url_template": "https://gov.example/{index_no}",
}


def test_index_numbers_are_twenty_characters_and_sequential() -> None:
    h = ChannelHarness(gov, CONFIG)
    first, second = h.render(POLICY), h.render(ARTICLE)
    assert (
        first.get("index_no") == "00250436X/2026-00001"
        and second.get("index_no") == "00250436X/2026-00002"
    )
    assert len(first.get("index_no")) == 20
    with pytest.raises(ValueError):
        index_number("short", 2026, 1)


def test_a_corrected_revision_keeps_its_index_number() -> None:
    h = ChannelHarness(gov, CONFIG)
    first = h.render(POLICY)
    h.render(ARTICLE)  # another item takes the next number meanwhile
    again = h.render(POLICY, previous=first)
    assert again.get("index_no") == first.get("index_no")


def test_policy_document_renders_its_disclosure_metadata_into_an_accessible_page() -> None:
    h = ChannelHarness(gov, CONFIG)
    variant = h.check(POLICY)
    assert variant.get("issuing_agency") == "样例县人民政府办公室"
    assert variant.get("document_number") == "样政办发〔2026〕3号"
    assert variant.get("disclosure") == "主动公开" and variant.get("validity") == "有效"
    page = variant.get("html")
    assert '<html lang="zh-CN">' in page and '<th scope="row">索引号</th>' in page
    assert check_html(page) == []


def test_repealed_documents_say_so_on_their_page() -> None:
    h = ChannelHarness(gov, CONFIG)
    variant = h.render(POLICY, {"validity": "已废止", "validity_note": "由2026年5号文替代。"})
    assert "本文件已废止。" in variant.get("html") and h.validate(variant) == []


def test_metadata_mistakes_are_reported_in_words_an_editor_can_act_on() -> None:
    h = ChannelHarness(gov, {"default_issuing_agency": "样例县人民政府"})  # no org code configured
    variant = h.render(POLICY, {"document_number": "样政办发[2026]3号", "disclosure": "不予公开"})
    problems = {p.code: p for p in h.validate(variant)}
    assert set(problems) == {
        "GOV_INDEX_NO_INVALID",
        "GOV_DOC_NUMBER_FORMAT",
        "GOV_NOT_FOR_DISCLOSURE",
    }
    assert "六角括号" in problems["GOV_DOC_NUMBER_FORMAT"].message_zh


@pytest.mark.parametrize(
    ("page", "rule"),
    [
        ("<html><head><title>t</title></head><body><h1>t</h1></body></html>", "html-lang"),
        (
            '<html lang="zh"><head><title>t</title></head><body><h1>t</h1><img src="a.jpg"></body></html>',
            "img-alt",
        ),
        (
            '<html lang="zh"><head><title>t</title></head><body><h1>t</h1><h3>x</h3></body></html>',
            "heading-order",
        ),
        (
            '<html lang="zh"><head><title>t</title></head><body><h1>t</h1><a href="/x">点击这里</a></body></html>',
            "link-text",
        ),
        (
            '<html lang="zh"><head><title>t</title></head><body><h1>t</h1><a href="/x"></a></body></html>',
            "link-text",
        ),
        (
            '<html lang="zh"><head><title>t</title></head><body><h1>t</h1><table><tr><td>1</td></tr></table></body></html>',
            "table-headers",
        ),
        (
            '<html lang="zh"><head><title></title></head><body><h1>t</h1></body></html>',
            "page-title",
        ),
        (
            '<html lang="zh"><head><title>t</title></head><body><h2>t</h2></body></html>',
            "single-h1",
        ),
    ],
)
def test_accessibility_check_finds_each_rule_violation(page: str, rule: str) -> None:
    assert rule in {i.rule for i in check_html(page)}


def test_body_images_without_alt_get_the_alt_text_of_their_asset() -> None:
    from dataclasses import replace

    story = replace(
        ARTICLE, body=ARTICLE.body.replace('alt="新建成的青石桥横跨清溪河,两岸有行人走过" ', "")
    )
    variant = ChannelHarness(gov, CONFIG).check(story)
    assert 'alt="新建成的青石桥横跨清溪河,两岸有行人走过"' in variant.get("html")


def test_an_alt_text_given_to_an_image_is_escaped_once_and_the_other_attributes_are_kept() -> None:
    from ronghub_sdk import Asset

    from plugins.gov_site.page import with_alt_text

    body = '<img src="https://x.cn/a.png?a=1&amp;b=2" data-asset-id="a1">'
    html = with_alt_text(body, [Asset(id="a1", kind="image", url="u", alt='图 "说" <b onclick=x>')])
    assert (
        html
        == '<img src="https://x.cn/a.png?a=1&amp;b=2" data-asset-id="a1" alt="图 &quot;说&quot; &lt;b onclick=x&gt;">'
    )
