"""Checks before sign-off: sensitive words, source rules, proofreading hints. No I/O.

Each check returns `ronghub_sdk.Finding`s with the field and character offsets, so the
console can underline them. They run as `check_story` plugins (hub/workflow/plugins.py). Texts are folded to simplified Chinese first (a word listed in
simplified is also caught when written in traditional characters), and disguises do not
hide a word: invisible characters, full-width and compatibility forms, case, combining
marks, and separators (spaces, punctuation, symbols, emoji, digits) inserted between its
characters (敏 感, 敏.感, 敏<ZWJ>感, ＭＩＧ, m.i.g) — hub/domain/wordfold.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import ahocorasick_rs
from ronghub_sdk import Finding

from hub.domain.html import html_to_text, text_attributes
from hub.domain.wordfold import fold_text, fold_word, has_digits, stands_alone, whole_words_only


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


class WordList:
    """A compiled, tenant-specific word list (Aho-Corasick over folded text, see
    hub/domain/wordfold.py). Overlapping candidates are all found, the ones glued to
    other letters (a Latin word inside a longer word) dropped, then the leftmost-longest
    of the rest kept."""

    def __init__(self, words: Iterable[Word]) -> None:
        by_text: dict[str, Word] = {}
        for w in words:
            key = fold_word(w.text.strip())
            if key:
                by_text[key] = w
        self.words = by_text
        letters = [k for k in by_text if not has_digits(k)]
        digits = [k for k in by_text if has_digits(k)]
        self._matchers = [(keys, _automaton(keys)) for keys in (letters, digits)]

    def scan(self, text: str) -> list[tuple[int, int, Word]]:
        """(start, end, word) in `text`'s own offsets."""
        if not self.words or not text:
            return []
        candidates: list[tuple[int, int, str]] = []
        for folded, (keys, matcher) in zip(fold_text(text), self._matchers, strict=True):
            if matcher is None:
                continue
            for idx, start, end in matcher.find_matches_as_indexes(folded.text, overlapping=True):
                key = keys[idx]
                o_start, o_end = folded.span(start, end)
                if whole_words_only(key) and not stands_alone(text, o_start, o_end):
                    continue
                candidates.append((o_start, o_end, key))
        out: list[tuple[int, int, Word]] = []
        taken = 0
        for start, end, key in sorted(candidates, key=lambda c: (c[0], c[0] - c[1])):
            if start >= taken:
                out.append((start, end, self.words[key]))
                taken = end
        return out


def _automaton(keys: list[str]) -> ahocorasick_rs.AhoCorasick | None:
    return (
        ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.Standard)
        if keys
        else None
    )


def field_texts(
    content: Checked, asset_texts: Mapping[str, Mapping[str, str | None]] | None = None
) -> dict[str, str]:
    """Every plain text a reader or a platform sees, by field path (offsets of findings
    refer to these): title, subtitle, summary, body (its text, then the alt/title of its
    elements), byline, tags, source fields, metadata values, per-channel overrides and
    the captions, alt texts, titles and credits of its media (`asset_texts`, by asset id).
    Empty texts are left out, except the four main fields (kept for stable keys)."""
    texts: dict[str, str] = {
        "title": content.title,
        "subtitle": content.subtitle or "",
        "summary": content.summary or "",
    }
    texts.update(_html_texts("body", content.body))
    texts["byline"] = getattr(content, "byline", None) or ""
    for i, tag in enumerate(getattr(content, "tags", ()) or ()):
        texts[f"tags.{i}"] = tag
    source = content.source
    for attr in ("source_name", "original_author", "original_title", "responsible_editor"):
        texts[f"source.{attr}"] = getattr(source, attr, None) or ""
    _values(texts, "metadata", getattr(content, "metadata", None) or {})
    _values(texts, "channel_overrides", getattr(content, "channel_overrides", None) or {})
    for asset in getattr(content, "assets", ()) or ():
        texts[f"assets.{asset.id}.alt"] = asset.alt or ""
    for asset_id, fields in (asset_texts or {}).items():
        for name, value in fields.items():
            texts[f"assets.{asset_id}.{name}"] = value or ""
    keep = {"title", "subtitle", "summary", "body"}
    return {k: v for k, v in texts.items() if v or k in keep}


def _html_texts(field: str, markup: str) -> dict[str, str]:
    out = {field: html_to_text(markup)}
    for name, value in text_attributes(markup):
        out[f"{field}.{name}"] = value
    return out


def _values(texts: dict[str, str], path: str, value: Any) -> None:
    """The strings of a JSON value (metadata, overrides), by dotted path; strings that
    hold markup are read as HTML (their text and their elements' alt/title)."""
    if isinstance(value, str):
        texts.update(_html_texts(path, value) if "<" in value else {path: value})
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _values(texts, f"{path}.{k}", v)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _values(texts, f"{path}.{i}", v)


def sensitive_words(
    content: Checked, words: WordList, texts: Mapping[str, str] | None = None
) -> list[Finding]:
    """Findings of the listed words in `texts` (by default `field_texts(content)`)."""
    findings = []
    for field, text in (field_texts(content) if texts is None else texts).items():
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
    required = {
        "source_name": ("来源", "source"),
        "original_author": ("原作者", "original author"),
        "original_title": ("原标题", "original title"),
    }
    for attr, (label, label_en) in required.items():
        if not (getattr(src, attr) or "").strip():
            findings.append(
                Finding(
                    "SOURCE_FIELD_MISSING",
                    f"转载稿件必须填写{label}",
                    f"a reprint (转载) needs its {label_en}",
                    True,
                    field=f"source.{attr}",
                )
            )
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
    "既使": "即使",
    "按步就班": "按部就班",
    "迫不急待": "迫不及待",
    "再接再励": "再接再厉",
    "一股作气": "一鼓作气",
    "谈笑风声": "谈笑风生",
    "默守成规": "墨守成规",
    "甘败下风": "甘拜下风",
    "出奇不意": "出其不意",
    "如火如茶": "如火如荼",
    "震憾": "震撼",
    "渡假": "度假",
    "部份": "部分",
    "名符其实": "名副其实",
    "走头无路": "走投无路",
    "一愁莫展": "一筹莫展",
    "针贬": "针砭",
    "穿流不息": "川流不息",
    "美仑美奂": "美轮美奂",
    "脍炙人囗": "脍炙人口",
    "记忆尤新": "记忆犹新",
    "悬梁刺骨": "悬梁刺股",
    "事过景迁": "事过境迁",
    "蛛丝蚂迹": "蛛丝马迹",
}
_HINTS = WordList(Word(k, Level.WARN, v) for k, v in MISUSED.items())


def proofreading_hints(content: Checked, texts: Mapping[str, str] | None = None) -> list[Finding]:
    findings = []
    for field, text in (field_texts(content) if texts is None else texts).items():
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
