"""The demo center's content: complete, valid, varied, and our own writing."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from hub.demo.content import CENTER_NAME, COLUMNS, STORIES
from hub.domain.story import StoryContent, StoryType, build_content
from tests.conftest import seed_files

CONTENT_KEYS = set(StoryContent.model_fields) | {"body_text"}
EXTRA_KEYS = {"column", "assets", "publish"}


def test_the_center_has_the_eight_columns_in_order() -> None:
    assert CENTER_NAME == "示例区融媒体中心"
    assert [name for _, name in COLUMNS] == [
        "推荐",
        "要闻",
        "民生",
        "经济",
        "城事",
        "人文",
        "图集",
        "专题",
    ]
    assert len({slug for slug, _ in COLUMNS}) == len(COLUMNS)


def test_there_are_a_few_dozen_stories_with_unique_titles() -> None:
    assert 32 <= len(STORIES) <= 40
    titles = [s["title"] for s in STORIES]
    assert len(set(titles)) == len(titles)  # seeding matches stories by title


def test_every_column_has_stories_and_every_story_a_known_column() -> None:
    slugs = {slug for slug, _ in COLUMNS}
    used = Counter(s["column"] for s in STORIES)
    assert set(used) == slugs


def test_stories_cover_the_story_types() -> None:
    types = {StoryType(s.get("type", "article")) for s in STORIES}
    assert types == set(StoryType)
    galleries = [s for s in STORIES if s.get("type") == "gallery"]
    assert galleries and all(len(s["assets"]) >= 3 for s in galleries)


def test_some_stories_are_drafts_and_some_are_reprints() -> None:
    drafts = [s for s in STORIES if s.get("publish") is False]
    assert 2 <= len(drafts) <= 4
    reprints = [s for s in STORIES if s.get("source", {}).get("reprint")]
    assert len(reprints) >= 2
    assert all(s["source"].get("source_name") for s in reprints)


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s["title"][:12])
def test_each_story_is_valid_content(story: dict) -> None:
    assert set(story) <= CONTENT_KEYS | EXTRA_KEYS
    fields = {k: v for k, v in story.items() if k not in EXTRA_KEYS}
    content = build_content(fields, max_body_chars=200_000)
    assert content.body_text == story["body_text"]
    assert content.summary and content.byline and content.tags
    for asset in story.get("assets", ()):
        assert asset["kind"] in {"image", "video", "audio"} and asset["uri"].startswith("demo/")


def _sentences(text: str) -> set[str]:
    parts = re.split(r"[。!?;!?;\n]", text)
    return {re.sub(r"\s+", "", p) for p in parts if len(re.sub(r"\s+", "", p)) >= 10}


def test_no_sentence_is_copied_from_the_seed_articles() -> None:
    seed_sentences: set[str] = set()
    for path in seed_files():
        seed_sentences |= _sentences(path.read_text(encoding="utf-8"))
    ours = "\n".join(
        "\n".join([s["title"], s.get("subtitle") or "", s["summary"], s["body_text"]])
        for s in STORIES
    )
    compact = re.sub(r"\s+", "", ours)
    copied = sorted(s for s in seed_sentences if s in compact)
    assert copied == []
