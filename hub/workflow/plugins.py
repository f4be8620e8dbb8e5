"""The built-in checks as `check_story` plugins on the channel plugin manager.

`register_checks(pm)` adds them (once) to the pluggy manager the channels use, with any
plugins of the `ronghub.checks` entry-point group; `run_checks(pm, ...)` calls the hook
on every implementation and concatenates the findings. The sensitive-word plugin keeps
the compiled Aho-Corasick automaton per word-list version, so a check is one scan.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from importlib.metadata import entry_points
from typing import Any

import pluggy
import structlog
from ronghub_sdk import Finding, StoryInput, hookimpl
from ronghub_sdk.hookspecs import CHECKS_ENTRY_POINT_GROUP

from hub.workflow.checks import (
    Level,
    SourceRules,
    Word,
    WordList,
    proofreading_hints,
    sensitive_words,
    source_rules,
)

log = structlog.get_logger(__name__)

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


BUILTIN = {"check.sensitive_words": SensitiveWords, "check.source_rules": SourceRulesCheck,
           "check.proofreading_hints": ProofreadingHints}  # fmt: skip


def register_checks(pm: pluggy.PluginManager) -> None:
    """Register the built-in checks and the `ronghub.checks` plugins once on `pm`."""
    if pm.get_plugin("check.sensitive_words") is not None:
        return
    for name, cls in BUILTIN.items():
        pm.register(cls(), name=name)
    for ep in entry_points(group=CHECKS_ENTRY_POINT_GROUP):
        try:
            pm.register(ep.load(), name=f"check.{ep.name}")
        except Exception as exc:  # a broken check plugin must not stop review
            log.warning(
                "check plugin skipped",
                source=f"{ep.name} = {ep.value}",
                error=f"{type(exc).__name__}: {exc}",
            )


def run_checks(
    pm: pluggy.PluginManager, story: StoryInput, config: Mapping[str, Any]
) -> list[Finding]:
    """Every implementation's findings, concatenated in registration order."""
    register_checks(pm)
    results = pm.hook.check_story(story=story, config=config)
    return [f for result in reversed(results) for f in result or ()]
