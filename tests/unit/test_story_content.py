"""build_content: every refusal is a HubError an editor can act on, never an INTERNAL."""

from __future__ import annotations

from typing import Any

import pytest

from hub.domain.story import TAGS_MAX, TITLE_MAX, build_content
from hub.errors import HubError

LIMIT = 1_000


def refused(fields: dict[str, Any], limit: int = LIMIT) -> HubError:
    with pytest.raises(HubError) as caught:
        build_content(fields, limit)
    return caught.value


@pytest.mark.parametrize(
    ("location", "field", "zh"),
    [
        ({"name": "县城", "latitude": 91.0}, "location.latitude", "不能大于 90"),
        ({"name": "县城", "latitude": -90.5}, "location.latitude", "不能小于 -90"),
        ({"name": "县城", "longitude": 181}, "location.longitude", "不能大于 180"),
        ({"latitude": 30.0}, "location.name", "不能为空"),
    ],
)
def test_a_bad_location_is_invalid_input_naming_the_field(
    location: dict[str, Any], field: str, zh: str
) -> None:
    err = refused({"title": "标题", "location": location})
    assert err.code == "INVALID_INPUT"
    assert err.message_zh.startswith(field) and zh in err.message_zh
    assert err.message_en.startswith(field + ":")


def test_an_unknown_story_type_is_invalid_input() -> None:
    err = refused({"title": "标题", "type": "podcast"})
    assert err.code == "INVALID_INPUT" and err.message_zh.startswith("type")


@pytest.mark.parametrize(
    ("fields", "code", "in_zh"),
    [
        ({"title": ""}, "INVALID_INPUT", "title"),
        ({"title": " \u3000 "}, "INVALID_INPUT", "不能为空"),
        ({}, "INVALID_INPUT", "不能为空"),
        ({"title": "字" * (TITLE_MAX + 1)}, "INVALID_INPUT", f"最多 {TITLE_MAX} 个字符"),
        ({"title": "<img src=x onerror=y()>"}, "INVALID_INPUT", "脚本"),
        (
            {"title": "t", "tags": [f"标签{i}" for i in range(TAGS_MAX + 1)]},
            "INVALID_INPUT",
            f"最多 {TAGS_MAX} 个标签",
        ),
        ({"title": "t", "body": "x" * (LIMIT + 1)}, "BODY_TOO_LONG", f"上限 {LIMIT}"),
        ({"title": "t", "body_text": "字" * (LIMIT + 1)}, "BODY_TOO_LONG", f"上限 {LIMIT}"),
        ({"title": "t", "body": "<script>x</script>"}, "UNSAFE_HTML", "<script>"),
        ({"title": "t", "body": "<p>b</p>", "body_text": "b"}, "INVALID_INPUT", "只能提供一种"),
    ],
)
def test_bad_fields_are_refused_with_their_code(
    fields: dict[str, Any], code: str, in_zh: str
) -> None:
    err = refused(fields)
    assert err.code == code
    assert in_zh in err.message_zh
    assert err.message_en


def test_tags_are_trimmed_and_deduplicated_in_order() -> None:
    content = build_content({"title": "t", "tags": [" 防汛 ", "通知", "防汛", "", "  "]}, LIMIT)
    assert content.tags == ("防汛", "通知")


def test_plain_text_body_is_kept_exactly() -> None:
    text = "第一行\r\n\u3000\u3000第二行\xa0结束"
    content = build_content({"title": "t", "body_text": text}, LIMIT)
    assert content.body_text == text


def test_the_stored_body_is_kept_byte_for_byte_when_only_other_fields_change() -> None:
    """An edit of the title alone must not rewrite the body (sanitising it again would
    turn CR LF into LF and change the hash and the diff)."""
    first = build_content({"title": "初稿", "body_text": "一\r\n二\ufeff"}, LIMIT)
    again = build_content({**first.model_dump(), "title": "改稿"}, LIMIT, stored_body=True)
    assert again.body == first.body and again.body_text == "一\r\n二\ufeff"
    assert again.title == "改稿"


def test_the_same_content_always_hashes_the_same() -> None:
    a = build_content({"title": "标题", "tags": ["一", "二"], "body": "<p>正文</p>"}, LIMIT)
    b = build_content({"body": "<p>正文</p>", "tags": ["一", "二"], "title": "标题"}, LIMIT)
    assert a.content_hash() == b.content_hash()
    assert (
        a.content_hash()
        != build_content(
            {"title": "标题", "tags": ["二", "一"], "body": "<p>正文</p>"}, LIMIT
        ).content_hash()
    )
