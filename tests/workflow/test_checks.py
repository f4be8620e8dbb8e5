"""Sensitive words, source rules and proofreading hints, as plain code and on the seeds."""

from __future__ import annotations

from hub.domain.story import SourceInfo, StoryContent
from hub.workflow.checks import (
    Level,
    SourceRules,
    Word,
    WordList,
    proofreading_hints,
    sensitive_words,
    source_rules,
)
from tests.conftest import seed_files


def content(**kw: object) -> StoryContent:
    return StoryContent.model_validate({"title": "标题", **kw})


def test_a_listed_word_is_found_with_field_and_offsets() -> None:
    words = WordList([Word("违禁词", Level.BLOCK, suggestion="规范用语")])
    found = sensitive_words(content(title="这里有违禁词。", body="正文也有违禁词"), words)
    assert [(f.field, f.start, f.end, f.match, f.blocking) for f in found] == [
        ("title", 3, 6, "违禁词", True),
        ("body", 4, 7, "违禁词", True),
    ]
    assert "规范用语" in found[0].message_zh


def test_traditional_characters_and_inserted_separators_do_not_hide_a_word() -> None:
    words = WordList([Word("融媒体")])
    found = sensitive_words(content(body="湘鄉市融媒體中心 和 融 媒.体"), words)
    assert [f.match for f in found] == ["融媒體", "融 媒.体"]


def test_the_word_list_catches_terms_in_a_traditional_seed() -> None:
    seed = next(p for p in seed_files() if p.name.startswith("001")).read_text(encoding="utf-8")
    words = WordList([Word("村村响", Level.WARN), Word("指挥调度中心")])
    found = sensitive_words(content(body=seed), words)
    assert {f.match for f in found} >= {"村村響", "指揮調度中心"}
    assert any(not f.blocking for f in found) and any(f.blocking for f in found)


def test_an_empty_list_finds_nothing() -> None:
    assert sensitive_words(content(body="任何内容"), WordList([])) == []


def test_a_reprint_must_name_source_author_and_original_title() -> None:
    c = content(source=SourceInfo(reprint=True, source_name="某日报"))
    assert sorted(f.field for f in source_rules(c, SourceRules())) == [
        "source.original_author",
        "source.original_title",
    ]
    assert source_rules(content(source=SourceInfo(reprint=False)), SourceRules()) == []


def test_a_reprint_from_a_source_not_on_the_allowed_list_is_blocked() -> None:
    c = content(
        source=SourceInfo(
            reprint=True, source_name="某自媒体", original_author="甲", original_title="乙"
        )
    )
    findings = source_rules(c, SourceRules(frozenset({"人民日报", "新华社"})))
    assert [f.code for f in findings] == ["SOURCE_NOT_ALLOWED"] and findings[0].blocking
    ok = content(
        source=SourceInfo(
            reprint=True, source_name="新华社", original_author="甲", original_title="乙"
        )
    )
    assert source_rules(ok, SourceRules(frozenset({"新华社"}))) == []


def test_misused_words_get_a_non_blocking_hint_with_the_correction() -> None:
    found = proofreading_hints(content(body="大家再接再励,迫不急待。"))
    assert [(f.match, f.suggestion, f.blocking) for f in found] == [
        ("再接再励", "再接再厉", False),
        ("迫不急待", "迫不及待", False),
    ]
