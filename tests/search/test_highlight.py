"""Our highlighter: marks folded matches in the original text, escapes HTML."""

from __future__ import annotations

from hub.search.analysis import plan_query
from hub.search.highlight import fragments, highlight, text_spans


def test_simplified_query_marks_the_traditional_original() -> None:
    assert highlight("湘鄉市融媒體中心", plan_query("融媒体")) == ["湘鄉市<em>融媒體</em>中心"]


def test_text_around_marks_is_html_escaped() -> None:
    (frag,) = highlight("<b>防汛</b> & 抗旱", plan_query("防汛"))
    assert frag == "&lt;b&gt;<em>防汛</em>&lt;/b&gt; &amp; 抗旱"


def test_long_text_gives_windows_around_the_matches() -> None:
    text = "甲" * 200 + "防汛" + "乙" * 200
    (frag,) = highlight(text, plan_query("防汛"), width=40)
    assert frag.startswith("…") and frag.endswith("…")
    assert "<em>防汛</em>" in frag and len(frag) < 60


def test_windows_with_more_marks_come_first_and_no_more_than_the_limit() -> None:
    text = "防汛" + "。" * 100 + "防汛抗旱防汛" + "。" * 100 + "防汛"
    spans = text_spans(text, ["防汛"])
    frags = fragments(text, spans, width=20, limit=1)
    assert len(frags) == 1 and frags[0].count("<em>") == 2


def test_pinyin_queries_mark_their_characters_in_titles() -> None:
    assert highlight("普陀区融媒体中心", plan_query("rmt"), pinyin=True) == [
        "普陀区<em>融媒体</em>中心"
    ]
    assert highlight("普陀区融媒体中心", plan_query("putuo"), pinyin=True) == [
        "<em>普陀</em>区融媒体中心"
    ]


def test_nothing_to_mark_gives_no_fragments() -> None:
    assert highlight("天气晴", plan_query("防汛")) == []
