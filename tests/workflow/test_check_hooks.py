"""Checks are `check_story` hooks on the channels' plugin manager: the built-ins are
plugins, other plugins add findings, and the word list is compiled once per version."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from ronghub_sdk import ChannelInfo, Finding, StoryInput, TransportKind, hookimpl

from hub.channels.manager import ChannelManager
from hub.channels.story_input import story_input
from hub.domain.story import SourceInfo, StoryContent
from hub.workflow.plugins import BUILTIN, SensitiveWords, register_checks, run_checks
from tests.channels.hookcov import covers
from tests.conftest import seed_files


def story(**kw: Any) -> StoryInput:
    content = StoryContent.model_validate({"title": "标题", **kw})
    return story_input(content, tenant="t", story_id="s", revision_id="s:1")


def config(
    words: list[dict[str, Any]], version: str = "t:1", sources: Sequence[str] = ()
) -> dict[str, Any]:
    return {
        "tenant": "t",
        "sensitive_words": words,
        "word_list_version": version,
        "allowed_sources": list(sources),
    }


class HeadlineLength:
    """An outside check plugin: a headline longer than 30 characters is a warning."""

    @hookimpl
    def check_story(self, story: StoryInput) -> Sequence[Finding]:
        if len(story.title) <= 30:
            return []
        return [
            Finding(
                "HEADLINE_LONG",
                "标题超过 30 字",
                "headline over 30 characters",
                blocking=False,
                field="title",
            )
        ]


class ChannelWithACheck:
    """A channel plugin may contribute a check too (the same manager)."""

    @hookimpl
    def describe(self) -> ChannelInfo:
        return ChannelInfo(
            name="checking",
            title_zh="检查频道",
            title_en="checking",
            transport=TransportKind.FILE_DROP,
        )

    @hookimpl
    def check_story(self, story: StoryInput, config: Mapping[str, Any]) -> Sequence[Finding]:
        return [Finding("CHANNEL_NOTE", "渠道提示", "channel note", blocking=False)]


@covers("check_story")
def test_the_builtin_checks_and_other_plugins_answer_check_story_on_the_channel_manager() -> None:
    manager = ChannelManager()
    assert manager.register(ChannelWithACheck()) is not None
    register_checks(manager)
    register_checks(manager)  # once only
    manager.pm.register(HeadlineLength())
    assert all(manager.pm.get_plugin(name) is not None for name in BUILTIN)

    reprint = story(
        title="这是一个很长很长很长很长很长很长很长很长很长很长的标题,内部消息",
        body="<p>再接再励</p>",
        source=SourceInfo(reprint=True, source_name="某报"),
    )
    found = run_checks(manager, reprint, config([{"text": "内部消息", "level": "block"}]))
    codes = [f.code for f in found]
    assert codes == [
        "CHANNEL_NOTE",
        "SENSITIVE_WORD",
        "SOURCE_FIELD_MISSING",
        "SOURCE_FIELD_MISSING",
        "PROOFREAD_HINT",
        "HEADLINE_LONG",
    ]  # in registration order
    assert all(isinstance(f, Finding) and f.message_zh and f.message_en for f in found)
    # the channel's own hooks still go to exactly one plugin
    assert manager.names() == ["checking"] and manager.info("checking").title_zh == "检查频道"


def test_the_word_list_is_compiled_once_per_version_and_a_seed_scan_is_fast() -> None:
    plugin = SensitiveWords()
    words = [{"text": f"词{i:05d}号", "level": "block"} for i in range(20_000)] + [
        {"text": "内部消息", "level": "warn"}
    ]
    seeds = [story(title="稿", body=p.read_text(encoding="utf-8")) for p in seed_files()]
    plugin.check_story(seeds[0], config(words, "t:1"))
    started = time.perf_counter()
    for _ in range(20):
        for s in seeds:
            plugin.check_story(s, config(words, "t:1"))
    per_scan_ms = (time.perf_counter() - started) * 1000 / (20 * len(seeds))
    assert plugin.compilations == 1
    assert per_scan_ms < 20, per_scan_ms  # 20,000 words: one automaton pass per field
    plugin.check_story(seeds[0], config(words[:10], "t:2"))
    assert plugin.compilations == 2  # a new list version compiles again


class DocumentNumberCheck:
    """An outside check on the story's metadata (a 政务公开 item needs its 发文字号)."""

    @hookimpl
    def check_story(self, story: StoryInput) -> Sequence[Finding]:
        if "gov_site" in story.metadata.get("needs", ()) and not story.metadata.get(
            "document_number"
        ):
            return [
                Finding("DOC_NUMBER_MISSING", "缺少发文字号", "no document number", blocking=False)
            ]
        return []


def test_a_check_plugin_sees_the_story_s_metadata() -> None:
    manager = ChannelManager()
    manager.pm.register(DocumentNumberCheck())
    numbered = story(metadata={"needs": ["gov_site"], "document_number": "示政办发〔2026〕1号"})
    assert numbered.metadata["document_number"] == "示政办发〔2026〕1号"
    assert run_checks(manager, numbered, config([])) == []
    missing = story(metadata={"needs": ["gov_site"]})
    assert [f.code for f in run_checks(manager, missing, config([]))] == ["DOC_NUMBER_MISSING"]
