"""The built-in checks as `check_story` plugins on the channel plugin manager.

`register_checks(manager)` adds them (once) to the channel plugin manager, which also
loads the plugins of the `ronghub.checks` entry-point group (ChannelManager.discover_checks:
failures recorded, RONGHUB_PLUGINS honoured); `run_checks(manager, ...)` calls the hook on
every implementation and concatenates the findings. The sensitive-word plugin keeps
the compiled Aho-Corasick automaton per word-list version, so a check is one scan.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from ronghub_sdk import Finding, StoryInput, hookimpl

from hub.channels.manager import ChannelManager
from hub.workflow.checks import (
    Level,
    SourceRules,
    Word,
    WordList,
    proofreading_hints,
    sensitive_words,
    source_rules,
)

CACHE_SIZE = 64  # compiled lists kept (one per center and list version)


class SensitiveWords:
    """敏感词: the center's own list, blocking or warning per word."""

    def __init__(self) -> None:
        self._compiled: OrderedDict[str, WordList] = OrderedDict()
        self.compilations = 0  # for tests: how often an automaton was built

    def word_list(self, config: Mapping[str, Any]) -> WordList:
        version = str(config.get("word_list_version") or "")
        cached = self._compiled.get(version) if version else None
        if cached is not None:
            self._compiled.move_to_end(version)
            return cached
        words = [
            Word(
                str(w["text"]),
                Level(w.get("level") or Level.BLOCK.value),
                w.get("suggestion"),
                w.get("note"),
            )
            for w in config.get("sensitive_words") or ()
        ]
        compiled = WordList(words)
        self.compilations += 1
        if version:
            self._compiled[version] = compiled
            while len(self._compiled) > CACHE_SIZE:
                self._compiled.popitem(last=False)
        return compiled

    @hookimpl
    def check_story(self, story: StoryInput, config: Mapping[str, Any]) -> Sequence[Finding]:
        return sensitive_words(story, self.word_list(config), config.get("texts"))


class SourceRulesCheck:
    """来源: 转载 only from allowed sources, with 来源/原作者/原标题 filled in."""

    @hookimpl
    def check_story(self, story: StoryInput, config: Mapping[str, Any]) -> Sequence[Finding]:
        return source_rules(story, SourceRules(frozenset(config.get("allowed_sources") or ())))


class ProofreadingHints:
    """校对提示: common misused words (别字), never blocking."""

    @hookimpl
    def check_story(self, story: StoryInput, config: Mapping[str, Any]) -> Sequence[Finding]:
        return proofreading_hints(story, config.get("texts"))


BUILTIN = {
    "check.sensitive_words": SensitiveWords,
    "check.source_rules": SourceRulesCheck,
    "check.proofreading_hints": ProofreadingHints,
}


def register_checks(manager: ChannelManager) -> None:
    """Register the built-in checks once on the channel manager (source "built-in")."""
    if manager.pm.get_plugin("check.sensitive_words") is not None:
        return
    for name, cls in BUILTIN.items():
        manager.register_check(cls(), name=name, source="built-in")


def run_checks(
    manager: ChannelManager, story: StoryInput, config: Mapping[str, Any]
) -> list[Finding]:
    """Every implementation's findings, concatenated in registration order."""
    register_checks(manager)
    results = manager.pm.hook.check_story(story=story, config=config)
    return [f for result in reversed(results) for f in result or ()]
