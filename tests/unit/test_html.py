"""Body HTML rules: active content is named, the rest is sanitised, plain text survives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain import html


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("<script>alert(1)</script>", ["<script>"]),
        ("<SCRIPT SRC=x></SCRIPT>", ["<script>"]),
        ('<img src=x onerror="alert(1)">', ["onerror="]),
        ('<p onclick="x()" onmouseover="y()">a</p>', ["onclick=", "onmouseover="]),
        ('<a href="javascript:alert(1)">a</a>', ["href=javascript:"]),
        ('<a href="  JavaScript:alert(1)">a</a>', ["href=javascript:"]),
        ('<a href="&#106;avascript:alert(1)">a</a>', ["href=javascript:"]),  # entity-encoded
        ('<img src="data:text/html;base64,xx">', ["src=data:"]),
        ('<iframe src="https://example.com"></iframe>', ["<iframe>"]),
        ("<style>p{}</style><form></form>", ["<style>", "<form>"]),
        ("<script></script><script></script>", ["<script>"]),  # no repeats
    ],
)
def test_active_content_is_found_and_named(body: str, found: list[str]) -> None:
    assert html.find_active_content(body) == found


@pytest.mark.parametrize(
    "body",
    [
        "<p>县融媒体中心讯:今天上午……</p>",
        '<a href="https://example.com/a?b=c">链接</a>',
        '<img src="asset:01abc" alt="图" data-asset-id="01abc">',
        "<p>onclick 这个词出现在正文里不算</p>",
        "<p>javascript: 作为文字</p>",
        "",
    ],
)
def test_ordinary_newsroom_html_has_no_active_content(body: str) -> None:
    assert html.find_active_content(body) == []


def test_sanitize_keeps_the_allowed_markup_and_drops_the_rest() -> None:
    cleaned = html.sanitize(
        '<p lang="zh" class="x" style="color:red">正文<u>下划线</u><font>字</font></p>'
    )
    assert cleaned == '<p lang="zh">正文<u>下划线</u>字</p>'
    link = html.sanitize('<a href="https://example.com" target="_blank">外链</a>')
    assert 'rel="noopener noreferrer"' in link and "target" not in link
    assert html.sanitize('<a href="ftp://x">a</a>') == '<a rel="noopener noreferrer">a</a>'


def test_sanitize_is_idempotent_on_its_own_output() -> None:
    once = html.sanitize('<p>一<br>二</p><ul><li>三</li></ul><img src="asset:1" alt="四">')
    assert html.sanitize(once) == once


@pytest.mark.parametrize(
    "text",
    [
        "第一段\n第二段",
        "不换行\xa0空格",
        "全角\u3000空格\u3000\u3000段首缩进",
        "Windows 换行\r\n第二行\r\n",
        "旧 Mac 换行\r第二行",
        "a < b && c > d \"引号\" '单引号'",
        "&nbsp; &amp; &#20013; 这些是字面文字",
        "<p>看起来像标签的文字</p>",
        "\ufeff带 BOM 的开头",
        "",
    ],
)
def test_plain_text_survives_text_to_html_and_back(text: str) -> None:
    as_html = html.text_to_html(text)
    assert html.find_active_content(as_html) == []
    assert html.html_to_text(as_html) == text


@given(st.text())
def test_any_text_survives_the_round_trip(text: str) -> None:
    assert html.html_to_text(html.text_to_html(text)) == text


def test_html_to_text_puts_blocks_on_their_own_lines_and_decodes_entities() -> None:
    assert html.html_to_text("<p>一&nbsp;二</p><p>三&lt;四</p>") == "一\xa0二\n三<四\n"
    assert html.html_to_text("一<br>二<br/>三") == "一\n二\n三"


def test_library_pictures_point_at_the_url_signed_for_this_render() -> None:
    stored = html.sanitize(
        '<figure><img src="https://hub.example/media/a1?exp=1&amp;sig=old" alt="演播室" data-asset-id="a1">'
        "<figcaption>演播室</figcaption></figure>"
        '<p><img src="https://elsewhere.example/x.png" alt="外链"><img alt="无地址" data-asset-id="a2"></p>'
    )
    out = html.with_asset_urls(
        stored,
        {
            "a1": "https://hub.example/media/a1?exp=2&sig=new",
            "a2": "https://hub.example/media/a2?sig=b",
        },
    )
    assert 'src="https://hub.example/media/a1?exp=2&amp;sig=new"' in out and "sig=old" not in out
    assert 'src="https://elsewhere.example/x.png"' in out  # not a library picture: as written
    assert (
        '<img src="https://hub.example/media/a2?sig=b" alt="无地址" data-asset-id="a2">' in out
    )  # had no src
    assert html.sanitize(out) == out  # still a body the hub would store as it is
    assert html.with_asset_urls(stored, {}) == stored
    assert (
        html.with_asset_urls(stored, {"zz": "https://hub.example/z"}) == stored
    )  # an asset not in the body


def test_a_url_cannot_break_out_of_its_attribute() -> None:
    out = html.with_asset_urls(
        '<img src="x" data-asset-id="a1">', {"a1": 'https://h.example/a"><script>alert(1)</script>'}
    )
    assert html.find_active_content(out) == [] and "&quot;&gt;&lt;script&gt;" in out
