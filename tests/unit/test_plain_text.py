"""Plain-text fields: one rule (no script markup, no control characters) for every text
that is not the body's HTML, and stored values cleaned when read."""

from __future__ import annotations

from typing import Any

import pytest

from hub.domain.plaintext import readable, readable_values
from hub.domain.story import build_content
from hub.errors import HubError

XSS = "<img src=x onerror=alert(1)>记者"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"byline": XSS}, "byline"),
        ({"tags": ["ok", XSS]}, "tags"),
        ({"source": {"source_name": XSS}}, "source.source_name"),
        ({"source": {"original_author": "<svg onload=alert(1)>"}}, "source.original_author"),
        (
            {"source": {"original_title": '<a href="javascript:alert(1)">标题</a>'}},
            "source.original_title",
        ),
        (
            {"source": {"responsible_editor": "<script>alert(1)</script>"}},
            "source.responsible_editor",
        ),
        ({"location": {"name": XSS}}, "location.name"),
        ({"metadata": {"发文机关": XSS}}, "metadata.发文机关"),
        ({"metadata": {"areas": ["ok", {"name": XSS}]}}, "metadata.areas.1.name"),
        ({"metadata": {XSS: "key"}}, "metadata"),
        ({"channel_overrides": {"douyin": {"text": XSS}}}, "channelOverrides.douyin.text"),
        ({"subtitle": XSS}, "subtitle"),
        ({"byline": "记者\x00张三"}, "byline"),
        ({"title": "标题\x1b[31m"}, "title"),
    ],
)
def test_script_markup_or_control_characters_in_a_plain_text_field_are_refused(
    fields: dict[str, Any], named: str
) -> None:
    with pytest.raises(HubError) as caught:
        build_content({"title": "标题", **fields}, 10_000)
    assert caught.value.kind.code == "INVALID_INPUT" and named in caught.value.message_zh


def test_text_that_only_looks_like_markup_is_kept() -> None:
    content = build_content(
        {
            "title": "a < b 与 <三体>",
            "byline": "记者 <b>张三</b>",
            "tags": ["C++ & <T>"],
            "metadata": {"note": "x<y"},
        },
        10_000,
    )
    assert content.byline == "记者 <b>张三</b>" and content.tags == ("C++ & <T>",)


def test_stored_values_lose_their_script_markup_when_read_and_others_are_untouched() -> None:
    assert readable(XSS) == "记者"
    assert readable('<a href="javascript:alert(1)">标题</a>') == "标题"
    assert readable("<script>alert(1)</script>张三") == "张三"
    assert readable("记者\x01张三") == "记者张三"
    assert (
        readable("&lt;script&gt;alert(1)&lt;/script&gt;<img src=x onerror=1>")
        == "‹script>alert(1)‹/script>"
    )
    for ordinary in ("记者 <b>张三</b>", "a < b", "&amp;", "", None):
        assert readable(ordinary) == ordinary
    assert readable_values({"a": [XSS, 1, None], "b": {"c": XSS}}) == {
        "a": ["记者", 1, None],
        "b": {"c": "记者"},
    }


def test_channels_receive_stored_plain_texts_without_their_markup() -> None:
    from hub.channels.story_input import story_input
    from hub.domain.story import StoryContent

    stored = StoryContent.model_validate(
        {"title": "标题", "byline": XSS, "tags": [XSS], "source": {"original_author": XSS}}
    )
    story = story_input(
        stored, tenant="t", story_id="s", revision_id="r", metadata={"发文机关": XSS}
    )
    assert (story.byline, story.tags, story.source.original_author, story.metadata) == (
        "记者",
        ("记者",),
        "记者",
        {"发文机关": "记者"},
    )


def test_every_text_argument_of_a_mutation_is_checked_except_the_named_ones() -> None:
    from pathlib import Path

    from hub.graphql.inputs import EXEMPT, check_arguments

    with pytest.raises(HubError) as caught:
        check_arguments({"input": {"title": "ok", "lead": {"notes": ["fine", XSS]}}, "name": "x"})
    assert "input.lead.notes.1" in caught.value.message_en
    check_arguments(
        {
            "input": {"body": "<script>x</script>", "bodyText": XSS},
            "password": XSS,
            "n": 1,
            "j": None,
        }
    )
    schema = (Path(__file__).parents[2] / "openapi" / "schema.graphql").read_text(encoding="utf-8")
    stale = {name for name in EXEMPT if f"{name}:" not in schema and f"{name}(" not in schema}
    assert not stale, stale  # every exemption names a real argument or input field
