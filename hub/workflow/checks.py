"""Checks before sign-off: sensitive words, source rules, proofreading hints. No I/O.

Each check returns `ronghub_sdk.Finding`s with the field and character offsets, so the
console can underline them. They run as `check_story` plugins (hub/workflow/plugins.py). Texts are folded to simplified Chinese first (a word listed in
simplified is also caught when written in traditional characters), and separators
inserted between the characters of a word (敏 感, 敏.感) do not hide it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import ahocorasick_rs
from ronghub_sdk import Finding

from hub.domain.chinese import fold_aligned
from hub.domain.html import html_to_text


class Checked(Protocol):
    """What a check reads: StoryContent and ronghub_sdk.StoryInput both have it."""

    @property
    def title(self) -> str: ...
    @property
    def subtitle(self) -> str | None: ...
    @property
    def summary(self) -> str | None: ...
    @property
    def body(self) -> str: ...
    @property
    def source(self) -> Any: ...


class Level(StrEnum):
    BLOCK = "block"  # must be fixed or acknowledged before sign-off
    WARN = "warn"


@dataclass(frozen=True)
class Word:
    text: str
    level: Level = Level.BLOCK
    suggestion: str | None = None
    note: str | None = None


# Characters people slip between the characters of a word to dodge filters.
_SEPARATORS = re.compile(r"[\s\u200b-\u200f\u2060\ufeff·.,,。、_\-*/\\|~`'\"]")


class WordList:
    """A compiled, tenant-specific word list (Aho-Corasick, leftmost-longest)."""

    def __init__(self, words: Iterable[Word]) -> None:
        by_text: dict[str, Word] = {}
        for w in words:
            key = _SEPARATORS.sub("", fold_aligned(w.text.strip()))
            if key:
                by_text[key] = w
        self.words = by_text
        self._keys = list(by_text)
        self._matcher = (
            ahocorasick_rs.AhoCorasick(
                self._keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
            )
            if self._keys
            else None
        )

    def scan(self, text: str) -> list[tuple[int, int, Word]]:
        """(start, end, word) in `text`'s own offsets."""
        if self._matcher is None or not text:
            return []
        folded = fold_aligned(text)
        kept = [i for i, ch in enumerate(folded) if not _SEPARATORS.fullmatch(ch)]
        compact = "".join(folded[i] for i in kept)
        out = []
        for idx, start, end in self._matcher.find_matches_as_indexes(compact):
            out.append((kept[start], kept[end - 1] + 1, self.words[self._keys[idx]]))
        return out


def field_texts(content: Checked) -> Mapping[str, str]:
    """The plain texts the checks read, by field (offsets of findings refer to these)."""
    return {
        "title": content.title,
        "subtitle": content.subtitle or "",
        "summary": content.summary or "",
        "body": html_to_text(content.body),
    }


def sensitive_words(content: Checked, words: WordList) -> list[Finding]:
    findings = []
    for field, text in field_texts(content).items():
        for start, end, w in words.scan(text):
            hit = text[start:end]
            findings.append(
                Finding(
                    code="SENSITIVE_WORD",
                    message_zh=f"「{hit}」在敏感词表中"
                    + (f",建议改为「{w.suggestion}」" if w.suggestion else "")
                    + (f"({w.note})" if w.note else ""),
                    message_en=f"'{hit}' is on the sensitive-word list"
                    + (f"; suggested: '{w.suggestion}'" if w.suggestion else ""),
                    blocking=w.level == Level.BLOCK,
                    field=field,
                    start=start,
                    end=end,
                    match=hit,
                    suggestion=w.suggestion,
                )
            )
    return findings


@dataclass(frozen=True)
class SourceRules:
    """转载 rules: where reprints may come from, and what they must name."""

    allowed_sources: frozenset[str] = frozenset()  # empty: any named source


def source_rules(content: Checked, rules: SourceRules) -> list[Finding]:
    src = content.source
    if not src.reprint:
        return []
    findings = []
    required = {"source_name": ("来源", "source"), "original_author": ("原作者", "original author"),
                "original_title": ("原标题", "original title")}  # fmt: skip
    for attr, (label, label_en) in required.items():
        if not (getattr(src, attr) or "").strip():
            findings.append(Finding("SOURCE_FIELD_MISSING", f"转载稿件必须填写{label}", f"a reprint (转载) needs its {label_en}",
                                    True, field=f"source.{attr}"))  # fmt: skip
    if (
        src.source_name
        and rules.allowed_sources
        and src.source_name.strip() not in rules.allowed_sources
    ):
        findings.append(
            Finding(
                "SOURCE_NOT_ALLOWED",
                f"「{src.source_name}」不在本中心允许转载的来源名单中",
                f"'{src.source_name}' is not among the center's allowed reprint sources",
                True,
                field="source.source_name",
                match=src.source_name,
            )
        )
    return findings


# Common misused words (别字) and their standard forms: hints, never blocking.
MISUSED: dict[str, str] = {
    "既使": "即使", "按步就班": "按部就班", "迫不急待": "迫不及待", "再接再励": "再接再厉",
    "一股作气": "一鼓作气", "谈笑风声": "谈笑风生", "默守成规": "墨守成规", "甘败下风": "甘拜下风",
    "出奇不意": "出其不意", "如火如茶": "如火如荼", "震憾": "震撼", "渡假": "度假", "部份": "部分",
    "名符其实": "名副其实", "走头无路": "走投无路", "一愁莫展": "一筹莫展", "针贬": "针砭",
    "穿流不息": "川流不息", "美仑美奂": "美轮美奂", "脍炙人囗": "脍炙人口", "记忆尤新": "记忆犹新",
    "悬梁刺骨": "悬梁刺股", "事过景迁": "事过境迁", "蛛丝蚂迹": "蛛丝马迹",
}  # fmt: skip
_HINTS = WordList(Word(k, Level.WARN, v) for k, v in MISUSED.items())


def proofreading_hints(content: Checked) -> list[Finding]:
    findings = []
    for field, text in field_texts(content).items():
        for start, end, w in _HINTS.scan(text):
            findings.append(
                Finding(
                    "PROOFREAD_HINT",
                    f"「{text[start:end]}」疑为别字,应为「{w.suggestion}」",
                    f"'{text[start:end]}' looks misused; standard form: '{w.suggestion}'",
                    False,
                    field=field,
                    start=start,
                    end=end,
                    match=text[start:end],
                    suggestion=w.suggestion,
                )
            )
    return findings
