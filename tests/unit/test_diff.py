"""Diff hunks: character offsets into each text, exact on Chinese."""

from __future__ import annotations

from hub.domain.diff import diff_contents, text_hunks
from hub.domain.story import build_content


def test_a_one_character_fix_in_chinese_is_one_hunk_at_its_offset() -> None:
    before = "第一段文字。\n县融媒体中心记者报导:今天上午召开会议。\n第三段。"
    after = before.replace("报导", "报道")
    hunks = text_hunks(before, after)
    assert len(hunks) == 1
    h = hunks[0]
    assert (h.op, h.before, h.after) == ("replace", "导", "道")
    assert before[h.before_start] == "导" and after[h.after_start] == "道"
    assert h.before_start == before.index("报导") + 1


def test_offsets_count_characters_across_lines_including_full_width_space() -> None:
    before = "\u3000\u3000第一行\n第二行\n第三行"
    after = "\u3000\u3000第一行\n第二行,新增\n第三行"
    (h,) = text_hunks(before, after)
    assert (h.op, h.before, h.after) == ("insert", "", ",新增")
    assert after[h.after_start : h.after_start + len(h.after)] == ",新增"
    assert h.before_start == before.index("\n第三行")


def test_inserted_and_deleted_lines_carry_their_offsets() -> None:
    before = "甲\n乙\n丙\n"
    after = "甲\n丙\n丁\n"
    hunks = text_hunks(before, after)
    assert [(h.op, h.before, h.after) for h in hunks] == [
        ("delete", "乙\n", ""),
        ("insert", "", "丁\n"),
    ]
    assert before[hunks[0].before_start :].startswith("乙")
    assert after[hunks[1].after_start :] == "丁\n"


def test_every_hunk_applied_in_reverse_rebuilds_the_new_text() -> None:
    before = "一二三四五\n六七八九十\n甲乙丙丁"
    after = "一二3四五\n六七八九十,续\n甲丙丁戊"
    rebuilt = before
    for h in sorted(text_hunks(before, after), key=lambda h: h.before_start, reverse=True):
        rebuilt = rebuilt[: h.before_start] + h.after + rebuilt[h.before_start + len(h.before) :]
    assert rebuilt == after


def test_identical_texts_have_no_hunks() -> None:
    assert text_hunks("同样\n的文字", "同样\n的文字") == []


def test_diff_contents_lists_only_changed_fields_in_a_stable_order() -> None:
    old = build_content({"title": "旧标题", "body_text": "正文", "tags": ["一"]}, 1000)
    new = build_content({"title": "新标题", "body_text": "正文", "tags": ["一", "二"]}, 1000)
    changes = diff_contents(old, new)
    assert [c.field for c in changes] == ["title", "tags"]
    assert changes[1].before == "一" and changes[1].after == "一\n二"
